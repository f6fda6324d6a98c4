namespace Scheduler.Core.Snapshots;

/// <summary>A job holding capacity now: a possible preemption victim, and the source of backfill's predicted end times.</summary>
public sealed record RunningJob
{
    public required string Id { get; init; }

    public required string Queue { get; init; }

    /// <summary>The priority class's value (<c>PriorityClasses.ValueOf</c>); higher wins.</summary>
    public int Priority { get; init; }

    public IReadOnlyList<PodAssignment> Pods { get; init; } = [];

    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Fraction of the work done, 0–1.</summary>
    public double Progress { get; init; }

    /// <summary>When the last checkpoint was committed; null: never (all work since start is lost on preemption).</summary>
    public DateTimeOffset? LastCheckpointAt { get; init; }

    public DateTimeOffset? PredictedEnd { get; init; }

    public int PreemptionCount { get; init; }

    /// <summary>When it was last preempted before this run; a job re-placed after preemption is protected from reclaim for a while.</summary>
    public DateTimeOffset? LastPreemptedAt { get; init; }
}

/// <summary>One pod's share of a node: GPU indices with the milli taken on each (1000 for whole GPUs), CPU and memory.</summary>
public sealed record PodAssignment(string Node, IReadOnlyList<int> GpuIndices, int GpuMilli, long CpuMilli, long MemoryMiB);
