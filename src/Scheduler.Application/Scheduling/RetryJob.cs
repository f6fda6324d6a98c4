using FluentValidation;
using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>A retryable failure ended the job's attempt: back to the queue with one more failed attempt counted.</summary>
/// <remarks>With <paramref name="LeaderTerm"/> the write commits only while that term leads (<see cref="LeaderFence"/>).</remarks>
public sealed record RetryJob(Guid JobId, int ExpectedVersion, string Reason, long? LeaderTerm = null) : ICommand<Result<JobDetails>>;

internal sealed class RetryJobValidator : MessageValidator<RetryJob>
{
    public RetryJobValidator()
    {
        RuleFor(m => m.ExpectedVersion).GreaterThan(0).WithMessage("must be 1 or more");
        RuleFor(m => m.Reason).NotEmpty().WithMessage("is required").MaximumLength(1024).WithMessage("must be at most 1024 characters");
    }
}

internal sealed class RetryJobHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<RetryJob, Result<JobDetails>>
{
    public ValueTask<Result<JobDetails>> Handle(RetryJob command, CancellationToken cancellationToken) =>
        ExpectedVersion.ChangeAsync(db, command.JobId, command.ExpectedVersion,
            job => job.RetryAfterFailure(command.Reason, clock.StoreNow()), cancellationToken, command.LeaderTerm);
}
