using k8s;
using k8s.Models;
using Scheduler.Domain.Queues;

namespace Scheduler.Kubernetes.Resources;

/// <summary>A team's queue as a cluster-scoped custom resource; <see cref="Spec"/> is the body of <c>PUT /api/v1/queues/{name}</c>.</summary>
[KubernetesEntity(Group = GpuSchedulerApi.Group, ApiVersion = GpuSchedulerApi.Version, Kind = GpuSchedulerApi.GpuQueueKind, PluralName = GpuSchedulerApi.GpuQueuePlural)]
public sealed class GpuQueue() : CustomResource<QueueSpec, GpuQueueStatus>(GpuSchedulerApi.GpuQueueKind);

public sealed class GpuQueueList() : CustomResourceList<GpuQueue>(GpuSchedulerApi.GpuQueueKind + "List");

public sealed record GpuQueueStatus
{
    public int? PendingJobs { get; init; }

    public int? RunningJobs { get; init; }

    /// <summary>GPUs in use per GPU type, borrowed ones included.</summary>
    public IReadOnlyDictionary<string, int>? UsedGpus { get; init; }

    /// <summary>GPU-hours charged in the current budget period.</summary>
    public double? GpuHoursUsed { get; init; }

    public long? ObservedGeneration { get; init; }
}
