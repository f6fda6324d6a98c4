using Scheduler.Admission;
using Scheduler.Application.Admission;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Jobs;

/// <summary>
/// A job as the API shows it: identity, lifecycle and the stored (normalised) spec; also the estimate it was admitted
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
    Estimate? Estimate = null,
    MeasuredProgress? Measured = null,
    string? BudgetHold = null)
{
    public static JobDetails From(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new(job.Id, job.Name, job.Queue, job.PriorityClass, job.State, job.Reason, job.Attempt, job.Version, job.CreatedAt, job.UpdatedAt, job.Spec);
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
