using k8s;
using k8s.Models;
using Scheduler.Domain.Queues;

namespace Scheduler.Kubernetes.Resources;

/// <summary>A team's queue as a cluster-scoped custom resource; <see cref="Spec"/> is the body of <c>PUT /api/v1/queues/{name}</c>.</summary>
[KubernetesEntity(Group = GpuSchedulerApi.Group, ApiVersion = GpuSchedulerApi.Version, Kind = GpuSchedulerApi.GpuQueueKind, PluralName = GpuSchedulerApi.GpuQueuePlural)]
public sealed class GpuQueue : IKubernetesObject<V1ObjectMeta>, ISpec<QueueSpec>, IStatus<GpuQueueStatus?>
{
    public string ApiVersion { get; set; } = GpuSchedulerApi.ApiVersion;

    public string Kind { get; set; } = GpuSchedulerApi.GpuQueueKind;

    public V1ObjectMeta Metadata { get; set; } = new();

    public QueueSpec Spec { get; set; } = new();

    public GpuQueueStatus? Status { get; set; }
}

public sealed class GpuQueueList : IKubernetesObject<V1ListMeta>, IItems<GpuQueue>
{
    public string ApiVersion { get; set; } = GpuSchedulerApi.ApiVersion;

    public string Kind { get; set; } = GpuSchedulerApi.GpuQueueKind + "List";

    public V1ListMeta Metadata { get; set; } = new();

    public IList<GpuQueue> Items { get; set; } = [];
}

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
