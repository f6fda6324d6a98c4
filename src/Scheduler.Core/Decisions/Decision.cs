namespace Scheduler.Core.Decisions;

/// <summary>What the cycle decided for one job; the operator carries decisions out in order (preemptions first, then placements).</summary>
public abstract record Decision(string JobId);

/// <summary>Start the job now: each pod on its node and GPUs. Quota is charged to <see cref="GpuType"/>.</summary>
public sealed record Place(string JobId, string? GpuType, IReadOnlyList<PodPlacement> Pods) : Decision(JobId);

/// <summary>Pod <see cref="Rank"/> goes to <see cref="Node"/> on GPUs <see cref="GpuIndices"/>, taking <see cref="GpuMilli"/> of each.</summary>
public sealed record PodPlacement(int Rank, string Node, IReadOnlyList<int> GpuIndices, int GpuMilli);

/// <summary>Stop <see cref="JobId"/> (SIGTERM, grace period to checkpoint, then requeue) so that <see cref="ForJobId"/> can start.</summary>
public sealed record Preempt(string JobId, string ForJobId, PreemptionReason Reason, string Message) : Decision(JobId);

public enum PreemptionReason
{
    /// <summary>A job of higher priority in the same queue needs the capacity.</summary>
    HigherPriorityInQueue,

    /// <summary>The victim's queue is borrowing quota that the preemptor's queue lent and now needs back.</summary>
    ReclaimLentQuota,
}

/// <summary>Backfill reservation: the job is predicted to start at <see cref="At"/> on <see cref="Nodes"/>; nothing may delay it.</summary>
public sealed record Reserve(string JobId, DateTimeOffset At, IReadOnlyList<string> Nodes) : Decision(JobId);

/// <summary>
/// The job stays queued; <see cref="Reason"/> is for a person to read and act on: the <see cref="Cause"/> (shared by every job
/// blocked the same way) and how many jobs of its queue are ahead of it.
/// </summary>
public sealed record Pending(string JobId, string Cause, int JobsAhead = 0) : Decision(JobId)
{
    public string Reason => JobsAhead switch
    {
        0 => Cause,
        1 => $"{Cause}, 1 job ahead",
        _ => $"{Cause}, {JobsAhead} jobs ahead",
    };
}
