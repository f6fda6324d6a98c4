namespace Scheduler.Core.Snapshots;

/// <summary>
/// Everything one scheduling cycle looks at, as plain data: the cluster's nodes and free capacity, the queues with their quotas
/// and decayed usage, the running jobs (possible victims) and the pending jobs. <see cref="Now"/> is data too: the core never reads a clock.
/// </summary>
public sealed record Snapshot
{
    public required DateTimeOffset Now { get; init; }

    public IReadOnlyList<NodeInfo> Nodes { get; init; } = [];

    public IReadOnlyList<QueueInfo> Queues { get; init; } = [];

    public IReadOnlyList<RunningJob> Running { get; init; } = [];

    public IReadOnlyList<PendingJob> Pending { get; init; } = [];

    /// <summary>
    /// The distribution of task shapes the fragmentation-aware policy plans for (for example the last day's submissions).
    /// Empty: the pending jobs' own shapes are used.
    /// </summary>
    public IReadOnlyList<WorkloadShape> WorkloadShapes { get; init; } = [];
}
