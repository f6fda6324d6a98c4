using k8s.Models;

namespace Scheduler.Operator.Cycle;

/// <summary>A container that cannot start, as its pod's status says: the kubelet's reason and message, and since when the pod exists.</summary>
public sealed record StuckContainer(string Reason, string? Message, string? Image, DateTimeOffset Since);

/// <summary>
/// Pure readings of a pod's status that say why it ended or why it cannot start, as Kubernetes writes them: the
/// <c>OOMKilled</c> terminated reason (state or last state), a disruption (the <c>DisruptionTarget</c> condition that the
/// pod failure policy and Kueue use, or the kubelet's <c>Evicted</c> reason), and a container waiting on an image or its
/// configuration.
/// </summary>
public static class PodFailures
{
    /// <summary>Waiting reasons that never clear without a person (a wrong image or a missing Secret), unlike <c>ContainerCreating</c>.</summary>
    private static readonly HashSet<string> StuckReasons = new(StringComparer.Ordinal)
    {
        "ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError",
    };

    /// <summary>Pod-level reasons of a pod stopped by the node or the cluster rather than by its own program.</summary>
    private static readonly HashSet<string> DisruptedReasons = new(StringComparer.Ordinal)
    {
        "Evicted", "NodeLost", "Shutdown", "NodeShutdown", "Terminated", "Preempting",
    };

    public static bool IsOomKilled(V1Pod pod) =>
        (pod.Status?.ContainerStatuses ?? []).Any(s => s.State?.Terminated?.Reason == "OOMKilled" || s.LastState?.Terminated?.Reason == "OOMKilled");

    /// <summary>The memory limit of the pod's first container that has one (as written in the spec, e.g. <c>32Gi</c>).</summary>
    public static string? MemoryLimit(V1Pod pod) =>
        (pod.Spec?.Containers ?? []).Select(c => c.Resources?.Limits?.TryGetValue("memory", out var q) == true ? q.ToString() : null)
            .FirstOrDefault(q => q is not null);

    /// <summary>Why the cluster, not the workload, stopped the pod; null when nothing says so.</summary>
    public static string? Disruption(V1Pod pod)
    {
        if (pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget" && c.Status == "True") is { } target)
        {
            return string.IsNullOrEmpty(target.Message) ? $"DisruptionTarget ({target.Reason})" : $"DisruptionTarget ({target.Reason}: {target.Message})";
        }

        return pod.Status?.Reason is { } reason && DisruptedReasons.Contains(reason)
            ? string.IsNullOrEmpty(pod.Status.Message) ? reason : $"{reason}: {pod.Status.Message}"
            : null;
    }

    /// <summary>A container of a pod that has not ended, waiting for a reason that does not clear by itself; null otherwise.</summary>
    public static StuckContainer? Stuck(V1Pod pod)
    {
        if (PodOutcome.IsTerminal(pod) || PodOutcome.IsTerminating(pod))
        {
            return null;
        }

        var waiting = (pod.Status?.ContainerStatuses ?? []).Concat(pod.Status?.InitContainerStatuses ?? [])
            .FirstOrDefault(s => s.State?.Waiting?.Reason is { } r && StuckReasons.Contains(r));
        if (waiting is null)
        {
            return null;
        }

        var since = pod.Metadata?.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
        return new StuckContainer(waiting.State.Waiting.Reason, waiting.State.Waiting.Message, waiting.Image, since);
    }
}
