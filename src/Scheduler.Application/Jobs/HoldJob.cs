using FluentValidation;
using Mediator;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Hold a queued job (<c>scontrol hold</c>): it keeps its place in the queue and in fair-share accounting but is never
/// admitted until released; its pending reason says who holds it. Holding a held job changes nothing.
/// </summary>
public sealed record HoldJob(Guid JobId, string By) : ICommand<Result<JobDetails>>, IJobControl
{
    public string Action => "hold";
}

internal sealed class HoldJobValidator : MessageValidator<HoldJob>
{
    public HoldJobValidator() => RuleFor(m => m.By).NotEmpty().WithMessage("is required");
}

internal sealed class HoldJobHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<HoldJob, Result<JobDetails>>
{
    public ValueTask<Result<JobDetails>> Handle(HoldJob command, CancellationToken cancellationToken) =>
        JobChanges.ApplyAsync(db, command.JobId, job =>
        {
            if ((JobControlRules.NotEnded(job, "held") ?? JobControlRules.Queued(job, "state", "held (requeue a running job first)")) is { } refused)
            {
                return refused;
            }

            if (job.HeldBy is null)
            {
                job.Hold(command.By, clock.StoreNow());
            }

            return null;
        }, cancellationToken);
}
