using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Operator.Store;

/// <summary>An active job (Queued, Admitted, Running or Preempted) as the operator needs it; read from PostgreSQL each cycle.</summary>
public sealed record OperatorJob
{
    public required Guid Id { get; init; }

    public required string Name { get; init; }

    public required string Queue { get; init; }

    public required string Namespace { get; init; }

    public required string PriorityClass { get; init; }

    public required JobState State { get; init; }

    /// <summary>The normalised spec.</summary>
    public required JobSpec Spec { get; init; }

    public int Attempt { get; init; }

    /// <summary>Optimistic-concurrency token of the job row; transitions fail cleanly when someone else moved the job first.</summary>
    public uint Version { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the job last entered Queued (submission or requeue); admission wait is measured from here.</summary>
    public DateTimeOffset QueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Where the current attempt's pods go; null while queued.</summary>
    public IReadOnlyList<StoredPodPlacement>? Placement { get; init; }

    public TimeSpan? PredictedRuntime { get; init; }

    public double Progress { get; init; }

    public DateTimeOffset? LastCheckpointAt { get; init; }

    public int PreemptionCount { get; init; }

    public DateTimeOffset? LastPreemptedAt { get; init; }

    public string? PendingReason { get; init; }
}

/// <summary>One pod of a placed job: rank, node, GPU indices, milli per GPU, CPU and memory requests.</summary>
public sealed record StoredPodPlacement(int Rank, string Node, IReadOnlyList<int> GpuIndices, int GpuMilli, long CpuMilli, long MemoryMiB);
