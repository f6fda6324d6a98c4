using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// The scheduler placed a queued job: Queued → Admitted with its placement, at the version the scheduler saw (a job that
/// moved meanwhile is a conflict and the decision is dropped). A REST job's pods go to <paramref name="DefaultNamespace"/>.
/// With <paramref name="LeaderTerm"/> the write commits only while that term leads (<see cref="LeaderFence"/>).
/// </summary>
public sealed record AdmitJob(Guid JobId, int ExpectedVersion, IReadOnlyList<JobPodPlacement> Placement, string DefaultNamespace, string Reason, long? LeaderTerm = null)
    : ICommand<Result<JobDetails>>;

internal sealed class AdmitJobValidator : MessageValidator<AdmitJob>
{
    public AdmitJobValidator()
    {
        RuleFor(m => m.ExpectedVersion).GreaterThan(0).WithMessage("must be 1 or more");
        RuleFor(m => m.Placement).NotEmpty().WithMessage("names at least one pod");
        RuleFor(m => m.DefaultNamespace).NotEmpty().WithMessage("is required").MaximumLength(63).WithMessage("must be at most 63 characters");
        RuleFor(m => m.Reason).NotEmpty().WithMessage("is required").MaximumLength(1024).WithMessage("must be at most 1024 characters");
    }
}

internal sealed class AdmitJobHandler(SchedulerDbContext db, TimeProvider clock, Estimator estimator) : ICommandHandler<AdmitJob, Result<JobDetails>>
{
    public async ValueTask<Result<JobDetails>> Handle(AdmitJob command, CancellationToken cancellationToken)
    {
        var result = await ExpectedVersion.ChangeAsync(db, command.JobId, command.ExpectedVersion,
            job => job.Admit(command.Placement, command.DefaultNamespace, command.Reason, clock.StoreNow()), cancellationToken, command.LeaderTerm);
        if (result.IsSuccess && command.Placement.Count > 1)
        {
            // The one-by-one path (AdmitJobs reprices in its own transaction): the estimate follows right after the admission,
            // before the operator's next read of what changed.
            var admitted = await db.Jobs.AsNoTracking().FirstAsync(j => j.Id == command.JobId, cancellationToken);
            await PlacementPricing.RepriceAsync(db, estimator, [admitted], cancellationToken);
            await db.SaveChangesAsync(cancellationToken);
            db.ChangeTracker.Clear();
        }

        return result;
    }
}
