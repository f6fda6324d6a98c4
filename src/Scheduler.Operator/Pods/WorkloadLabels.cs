namespace Scheduler.Operator.Pods;

/// <summary>Labels and annotations that tie pods and services to their job; the inventory watches pods by <see cref="ManagedBy"/>.</summary>
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

    /// <summary>Annotation: the GPU indices the scheduler chose on the node (comma-separated).</summary>
    public const string GpuIndices = Prefix + "gpu-indices";

    /// <summary>Annotation: thousandths of each GPU the pod uses (1000 for whole GPUs).</summary>
    public const string GpuMilli = Prefix + "gpu-milli";

    /// <summary>Annotation: what is left of the predicted runtime, in seconds; the simulated kubelet runs the pod for this long.</summary>
    public const string PredictedRuntimeSeconds = Prefix + "simulated-runtime";

    /// <summary>Annotation: the normalised spec JSON, mounted into the pod by a downward-API volume.</summary>
    public const string Spec = Prefix + "spec";

    public const string GpuResource = "nvidia.com/gpu";
    public const string GpuProductLabel = "nvidia.com/gpu.product";

    public static string ManagedSelector => $"{ManagedByKey}={ManagedBy}";
}
