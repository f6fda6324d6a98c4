using Scheduler.Admission;
using Scheduler.Application.Admission;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Jobs;

/// <summary>
/// A job as the API shows it: identity, lifecycle and the stored (normalised) spec; <see cref="Origin"/> names the
/// TrainingJob it came from (its pods run in that namespace), absent for REST jobs. Also the estimate it was admitted
/// with, what its telemetry measured, and why it waits for budget (each absent when there is none).
/// </summary>
public sealed record JobDetails(
    Guid Id,
    string Name,
    string Queue,
    string PriorityClass,
    JobState State,
    string Reason,
    int Attempt,
    int Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    JobSpec Spec,
    JobOrigin? Origin = null,
    Estimate? Estimate = null,
    MeasuredProgress? Measured = null,
    string? BudgetHold = null)
{
    /// <summary>Why a queued job is not placed yet; null once placed.</summary>
    public string? PendingReason { get; init; }

    /// <summary>When a backfill reservation predicts the queued job starts.</summary>
    public DateTimeOffset? PredictedStart { get; init; }

    /// <summary>The nodes of the current attempt's pods, by rank (null while queued).</summary>
    public IReadOnlyList<string>? Nodes { get; init; }

    /// <summary>The Kubernetes namespace of the job's pods (null for a REST job not yet admitted: the configured default).</summary>
    public string? Namespace { get; init; }

    /// <summary>Share of the training done (0–1) as the trainer last reported it.</summary>
    public double Progress { get; init; }

    /// <summary>The step of the newest checkpoint the trainer reported; a preemption loses only the work after it.</summary>
    public long? LastCheckpointStep { get; init; }

    /// <summary>The user who submitted the job through the API (absent for TrainingJobs).</summary>
    public string? SubmittedBy { get; init; }

    /// <summary>Who holds the queued job (absent when not held); a held job is never admitted until released.</summary>
    public string? HeldBy { get; init; }

    /// <summary>The array this job is a task of (<c>GET /api/v1/jobs?array=</c> lists its tasks); absent outside an array.</summary>
    public Guid? ArrayId { get; init; }

    /// <summary>The task's index in its array (its <c>SCHEDULER_ARRAY_INDEX</c>).</summary>
    public int? ArrayIndex { get; init; }

    public static JobDetails From(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.Id, job.Name, job.Queue, job.PriorityClass, job.State, job.Reason, job.Attempt, job.Version, job.CreatedAt, job.UpdatedAt, job.Spec, job.Origin)
        {
            PendingReason = job.PendingReason,
            PredictedStart = job.PredictedStart,
            Nodes = job.Placement?.OrderBy(p => p.Rank).Select(p => p.Node).ToList(),
            Namespace = job.Namespace,
            Progress = job.Progress,
            LastCheckpointStep = job.LastCheckpointStep,
            SubmittedBy = job.SubmittedBy,
            HeldBy = job.HeldBy,
            ArrayId = job.ArrayId,
            ArrayIndex = job.ArrayIndex,
        };
    }
}

/// <summary>One stored transition; <see cref="From"/> is absent on the submission event.</summary>
public sealed record JobEventDetails(int Sequence, JobState? From, JobState To, string Reason, DateTimeOffset At)
{
    public static JobEventDetails Of(JobEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return new(e.Sequence, e.From, e.To, e.Reason, e.At);
    }
}
