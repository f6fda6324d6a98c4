namespace Scheduler.Core.Snapshots;

/// <summary>
/// A queue with Kueue's quota rules, in whole GPUs per GPU type: it may use at most nominal + borrowing limit (no entry: unlimited
/// within what its cohort can lend) and always keeps nominal − lending limit for itself (no entry: it lends all of its nominal quota).
/// </summary>
public sealed record QueueInfo
{
    public required string Name { get; init; }

    public string? Cohort { get; init; }

    public IReadOnlyDictionary<string, int> NominalQuota { get; init; } = new Dictionary<string, int>();

    public IReadOnlyDictionary<string, int> BorrowingLimit { get; init; } = new Dictionary<string, int>();

    public IReadOnlyDictionary<string, int> LendingLimit { get; init; } = new Dictionary<string, int>();

    public double FairShareWeight { get; init; } = 1;

    /// <summary>GPU-hours used, already decayed with the half-life up to <see cref="UsageAsOf"/>; the cycle decays it on to the snapshot's time.</summary>
    public double DecayedUsageGpuHours { get; init; }

    public DateTimeOffset? UsageAsOf { get; init; }

    /// <summary>A running job of this queue is no victim before it has run this long (KAI's min-runtime); null: no such protection.</summary>
    public TimeSpan? MinRuntimeBeforePreemption { get; init; }
}
