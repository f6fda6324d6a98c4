using FluentValidation;
using Mediator;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>Release a held job (<c>scontrol release</c>): the scheduler considers it again, from the place it kept. Releasing a job that is not held changes nothing.</summary>
public sealed record ReleaseJob(Guid JobId, string By) : ICommand<Result<JobDetails>>, IJobControl
{
    public string Action => "release";
}

internal sealed class ReleaseJobValidator : MessageValidator<ReleaseJob>
{
    public ReleaseJobValidator() => RuleFor(m => m.By).NotEmpty().WithMessage("is required");
}

internal sealed class ReleaseJobHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<ReleaseJob, Result<JobDetails>>
{
    public ValueTask<Result<JobDetails>> Handle(ReleaseJob command, CancellationToken cancellationToken) =>
        JobChanges.ApplyAsync(db, command.JobId, job =>
        {
            if ((JobControlRules.NotEnded(job, "released") ?? JobControlRules.Queued(job, "state", "released")) is { } refused)
            {
                return refused;
            }

            if (job.HeldBy is not null)
            {
                job.Release(command.By, clock.StoreNow());
            }

            return null;
        }, cancellationToken);
}
