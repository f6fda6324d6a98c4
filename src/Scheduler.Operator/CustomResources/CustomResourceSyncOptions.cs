using Scheduler.Kubernetes.Watching;

namespace Scheduler.Operator.CustomResources;

/// <summary>How the TrainingJob and GpuQueue sync runs (configuration section <c>Scheduler:CustomResources</c> when bound).</summary>
public sealed record CustomResourceSyncOptions
{
    /// <summary>
    /// How often unfinished resources are reconciled again: statuses follow their jobs at this pace, and a resource that
    /// failed (API or database unreachable, queue not yet created) is retried.
    /// </summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Watch TrainingJobs in this namespace only; null watches all namespaces.</summary>
    public string? Namespace { get; init; }

    public ResourceWatcherOptions Watch { get; init; } = new();
}
