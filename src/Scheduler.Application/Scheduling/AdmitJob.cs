using FluentValidation;
using Mediator;
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

internal sealed class AdmitJobHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<AdmitJob, Result<JobDetails>>
{
    public ValueTask<Result<JobDetails>> Handle(AdmitJob command, CancellationToken cancellationToken) =>
        ExpectedVersion.ChangeAsync(db, command.JobId, command.ExpectedVersion,
            job => job.Admit(command.Placement, command.DefaultNamespace, command.Reason, clock.StoreNow()), cancellationToken, command.LeaderTerm);
}
