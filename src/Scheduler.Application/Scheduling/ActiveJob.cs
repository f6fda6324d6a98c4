using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// A job the scheduler still acts on (Queued, Admitted, Running or Preempted). <see cref="EstimatedWallHours"/> is the
/// estimate stored at submission (priced with the MFU calibrated then); absent for jobs stored before estimates were.
/// <see cref="Reason"/> is the reason of the job's last transition.
/// </summary>
public sealed record ActiveJob(
    Guid Id,
    string Name,
    string Queue,
    string? Namespace,
    string PriorityClass,
    JobState State,
    JobSpec Spec,
    int Attempt,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset QueuedAt,
    DateTimeOffset? StartedAt,
    IReadOnlyList<JobPodPlacement>? Placement,
    double Progress,
    long? LastCheckpointStep,
    DateTimeOffset? LastCheckpointAt,
    int PreemptionCount,
    DateTimeOffset? LastPreemptedAt,
    int FailedAttempts,
    string? PendingReason,
    DateTimeOffset? PredictedStart,
    double? EstimatedWallHours = null,
    string? Reason = null,
    string? SubmittedBy = null,
    Guid? ArrayId = null,
    int? ArrayIndex = null);
