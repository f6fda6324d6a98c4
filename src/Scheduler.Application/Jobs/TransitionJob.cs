using FluentValidation;
using Mediator;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Move a job to another state and record why (the operator's command). With <paramref name="ExpectedVersion"/> the move
/// applies only to that version of the job; without it, a concurrent change makes it decide again on the fresh state.
/// Illegal moves are refused as conflicts. With <paramref name="LeaderTerm"/> (the operator's writes) the move commits only
/// while that term leads (<see cref="Scheduling.LeaderFence"/>).
/// </summary>
public sealed record TransitionJob(Guid JobId, JobState To, string Reason, int? ExpectedVersion = null, long? LeaderTerm = null) : ICommand<Result<JobDetails>>;

internal sealed class TransitionJobValidator : MessageValidator<TransitionJob>
{
    public TransitionJobValidator()
    {
        RuleFor(m => m.To).IsInEnum().WithMessage("must be a job state");
        RuleFor(m => m.Reason).NotEmpty().WithMessage("is required").MaximumLength(1024).WithMessage("must be at most 1024 characters");
        RuleFor(m => m.ExpectedVersion).GreaterThan(0).WithMessage("must be 1 or more");
    }
}

internal sealed class TransitionJobHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<TransitionJob, Result<JobDetails>>
{
    public ValueTask<Result<JobDetails>> Handle(TransitionJob command, CancellationToken cancellationToken) =>
        JobChanges.ApplyAsync(db, command.JobId, job =>
        {
            if (command.ExpectedVersion is { } expected && job.Version != expected)
            {
                return Failure.Conflict("version", $"the job is at version {job.Version}, not {expected}");
            }

            job.TransitionTo(command.To, command.Reason, clock.StoreNow());
            return null;
        }, cancellationToken, command.LeaderTerm);
}
