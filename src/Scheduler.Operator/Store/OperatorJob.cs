using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Operator.Store;

/// <summary>
/// An active job (Queued, Admitted, Running or Preempted) as the operator needs it, read from PostgreSQL each cycle: the one
/// shape the operator uses, from the snapshot to the pods (<see cref="Pods.PodFactory"/> builds them from it and its
/// <see cref="Placement"/>).
/// </summary>
public sealed record OperatorJob
{
    public required JobId Id { get; init; }

    public required string Name { get; init; }

    public required string Queue { get; init; }

    public required string Namespace { get; init; }

    public required string PriorityClass { get; init; }

    public required JobState State { get; init; }

    /// <summary>The normalised spec.</summary>
    public required JobSpec Spec { get; init; }

    public int Attempt { get; init; }

    /// <summary>The job row's version; transitions apply only to the version the cycle saw (someone else moving the job first wins).</summary>
    public int Version { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the job last entered Queued (submission or requeue); admission wait is measured from here.</summary>
    public DateTimeOffset QueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Where the current attempt's pods go; null while queued.</summary>
    public IReadOnlyList<JobPodPlacement>? Placement { get; init; }

    public TimeSpan? PredictedRuntime { get; init; }

    public double Progress { get; init; }

    public DateTimeOffset? LastCheckpointAt { get; init; }

    public int PreemptionCount { get; init; }

    public DateTimeOffset? LastPreemptedAt { get; init; }

    /// <summary>Attempts that ended in a retryable failure (the backoff limit bounds them).</summary>
    public int FailedAttempts { get; init; }

    public long? LastCheckpointStep { get; init; }

    /// <summary>Why the job is in its state (its last transition's reason).</summary>
    public string? Reason { get; init; }

    public string? PendingReason { get; init; }

    public DateTimeOffset? PredictedStart { get; init; }

    /// <summary>Who submitted the job through the API (null for TrainingJobs): with the name, a singleton's owner.</summary>
    public string? SubmittedBy { get; init; }

    /// <summary>The array the job is a task of, and its index there (<c>SCHEDULER_ARRAY_INDEX</c>); null outside an array.</summary>
    public Guid? ArrayId { get; init; }

    public int? ArrayIndex { get; init; }
}
