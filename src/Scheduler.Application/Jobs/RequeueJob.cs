using FluentValidation;
using Mediator;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Requeue a running job (<c>scontrol requeue</c>): it is stopped the way preemption stops it (the operator sends SIGTERM and
/// waits the grace period, so the trainer commits a checkpoint), then queued again; its next admission is a new attempt that
/// resumes from the checkpoint. It does not count as a preemption or a failure. A job already being requeued changes nothing.
/// </summary>
public sealed record RequeueJob(Guid JobId, string By) : ICommand<Result<JobDetails>>, IJobControl
{
    public string Action => "requeue";
}

internal sealed class RequeueJobValidator : MessageValidator<RequeueJob>
{
    public RequeueJobValidator() => RuleFor(m => m.By).NotEmpty().WithMessage("is required");
}

internal sealed class RequeueJobHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<RequeueJob, Result<JobDetails>>
{
    public ValueTask<Result<JobDetails>> Handle(RequeueJob command, CancellationToken cancellationToken) =>
        JobChanges.ApplyAsync(db, command.JobId, job =>
        {
            if (JobControlRules.NotEnded(job, "requeued") is { } ended)
            {
                return ended;
            }

            switch (job.State)
            {
                case JobState.Preempted:
                    return null;
                case JobState.Queued:
                    return Failure.Conflict("state", "the job is queued already; only an admitted or running job can be requeued");
                default:
                    job.Requeue(command.By, clock.StoreNow());
                    return null;
            }
        }, cancellationToken);
}
