using System.Globalization;
using k8s.Models;
using Scheduler.Application.Dashboard;

namespace Scheduler.Operator.Pods;

/// <summary>
/// Labels and annotations that tie pods and services to their job, and the one way to read them back; the inventory
/// watches pods by <see cref="ManagedBy"/>.
/// </summary>
public static class WorkloadLabels
{
    public const string Prefix = "gpu-scheduler.io/";
    public const string ManagedByKey = "app.kubernetes.io/managed-by";
    public const string ManagedBy = "gpu-scheduler";
    public const string JobId = Prefix + "job-id";
    public const string JobName = Prefix + "job-name";
    public const string Queue = Prefix + "queue";
    public const string Attempt = Prefix + "attempt";
    public const string Rank = Prefix + "rank";

    /// <summary>Label: the installation id of the database that created the object (the orphan guard's check).</summary>
    public const string Installation = Prefix + "installation";

    /// <summary>Annotation: the GPU indices the scheduler chose on the node (comma-separated).</summary>
    public const string GpuIndices = Prefix + "gpu-indices";

    /// <summary>Annotation: thousandths of each GPU the pod uses (1000 for whole GPUs).</summary>
    public const string GpuMilli = Prefix + "gpu-milli";

    /// <summary>Annotation: what is left of the predicted runtime, in seconds; the simulated kubelet runs the pod for this long.</summary>
    public const string PredictedRuntimeSeconds = Prefix + "simulated-runtime";

    /// <summary>Annotation: the normalised spec JSON, mounted into the pod by a downward-API volume.</summary>
    public const string Spec = Prefix + "spec";

    /// <summary>The default GPU extended resource (<c>Scheduler:Kubernetes:NodeLabels:GpuResource</c> may name another).</summary>
    public const string GpuResource = "nvidia.com/gpu";

    /// <summary>The default GPU product node label (<c>Scheduler:Kubernetes:NodeLabels:GpuProduct</c> may name another).</summary>
    public const string GpuProductLabel = "nvidia.com/gpu.product";

    /// <summary>The installation id the object carries; null for objects created before installations were stamped.</summary>
    public static Guid? InstallationOf(V1ObjectMeta? metadata) =>
        metadata?.Labels?.TryGetValue(Installation, out var text) == true && Guid.TryParse(text, out var id) ? id : null;

    /// <summary>True when the object carries the label of another installation than <paramref name="ours"/> (or ours is unknown).</summary>
    public static bool IsForeign(V1ObjectMeta? metadata, Guid? ours) =>
        InstallationOf(metadata) is { } theirs && theirs != ours;

    public static string ManagedSelector => $"{ManagedByKey}={ManagedBy}";

    /// <summary>Every pod that is not ours, unlabelled ones included (the inventory's watch of other owners' GPU pods).</summary>
    public static string ForeignSelector => $"{ManagedByKey}!={ManagedBy}";

    /// <summary>Whether we manage the object (our managed-by label), whatever else it carries.</summary>
    public static bool IsManaged(V1ObjectMeta? metadata) =>
        metadata?.Labels is { } labels && labels.TryGetValue(ManagedByKey, out var manager) && manager == ManagedBy;

    /// <summary>The job of a pod or Service; null unless it is ours (managed by us and labelled with a job id).</summary>
    public static Scheduler.Domain.Jobs.JobId? JobIdOf(V1ObjectMeta? metadata) =>
        IsManaged(metadata)
        && metadata!.Labels.TryGetValue(JobId, out var id) && Guid.TryParse(id, CultureInfo.InvariantCulture, out var jobId)
            ? new Scheduler.Domain.Jobs.JobId(jobId)
            : null;

    /// <summary>The attempt a pod was created for; -1 when unlabelled.</summary>
    public static int AttemptOf(V1ObjectMeta? metadata) => NumberOf(metadata, Attempt);

    /// <summary>The pod's rank within its job; -1 when unlabelled.</summary>
    public static int RankOf(V1ObjectMeta? metadata) => NumberOf(metadata, Rank);

    /// <summary>The GPU indices chosen on the node; empty when none were annotated (or the annotation is unreadable).</summary>
    public static IReadOnlyList<int> GpuIndicesOf(V1ObjectMeta? metadata) =>
        metadata?.Annotations?.TryGetValue(GpuIndices, out var list) == true
            ? list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(i => int.TryParse(i, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : -1)
                .Where(i => i >= 0).ToList()
            : [];

    /// <summary>Thousandths of each GPU the pod uses; whole GPUs (1000) when not annotated.</summary>
    public static int GpuMilliOf(V1ObjectMeta? metadata) =>
        metadata?.Annotations?.TryGetValue(GpuMilli, out var text) == true
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var milli)
            ? milli
            : ClusterAllocation.WholeGpuMilli;

    private static int NumberOf(V1ObjectMeta? metadata, string key) =>
        metadata?.Labels?.TryGetValue(key, out var text) == true && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
