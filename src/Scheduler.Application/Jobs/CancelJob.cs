using Mediator;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Cancel a job. Idempotent: cancelling a cancelled job answers it unchanged; a job that already finished is a conflict.
/// <see cref="By"/> (the signed-in user) goes into the history: <c>CancelledByUser: cancelled by alice</c>.
/// </summary>
public sealed record CancelJob(Guid JobId, string? By = null) : ICommand<Result<JobDetails>>
{
    public const string Reason = "CancelledByUser";

    /// <summary>The event's reason: the code alone without a user (a deleted TrainingJob), else the code and who.</summary>
    public string EventReason => string.IsNullOrEmpty(By) ? Reason : $"{Reason}: cancelled by {By}";
}

internal sealed class CancelJobHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<CancelJob, Result<JobDetails>>
{
    public ValueTask<Result<JobDetails>> Handle(CancelJob command, CancellationToken cancellationToken) =>
        JobChanges.ApplyAsync(db, command.JobId, job =>
        {
            if (job.State == JobState.Cancelled)
            {
                return null;
            }

            if (JobStateMachine.IsFinal(job.State))
            {
                return Failure.Conflict("state", $"the job already ended ({job.State}) and cannot be cancelled");
            }

            job.TransitionTo(JobState.Cancelled, command.EventReason, clock.StoreNow());
            return null;
        }, cancellationToken);
}
