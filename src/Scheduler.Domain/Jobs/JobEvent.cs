namespace Scheduler.Domain.Jobs;

/// <summary>
/// One step of a job's lifecycle, stored with the state change in the same transaction. <see cref="Sequence"/> is the job's
/// <see cref="Job.Version"/> after the change, so events sort oldest first by it. <see cref="From"/> is null for the submission.
/// </summary>
public sealed record JobEvent(Guid JobId, int Sequence, JobState? From, JobState To, string Reason, DateTimeOffset At);
