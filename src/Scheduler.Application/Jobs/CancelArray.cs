using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Cancel every task of an array that has not ended (scancel of an array's id); a single task is cancelled as any job is
/// (<see cref="CancelJob"/>). Idempotent: an array whose tasks all ended answers with none cancelled. Each task moves in its own
/// change (<see cref="JobChanges"/>), so a task the operator moves meanwhile is decided again on a fresh read.
/// </summary>
public sealed record CancelArray(Guid ArrayId) : ICommand<Result<CancelledArray>>;

/// <summary>How many tasks the array has and how many this request cancelled.</summary>
public sealed record CancelledArray(Guid ArrayId, int Tasks, int Cancelled);

internal sealed class CancelArrayHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<CancelArray, Result<CancelledArray>>
{
    public async ValueTask<Result<CancelledArray>> Handle(CancelArray command, CancellationToken cancellationToken)
    {
        var result = await ArrayTaskChanges.ApplyAsync(db, command.ArrayId, (state, _) => !JobStateMachine.IsFinal(state),
            job => job.TransitionTo(JobState.Cancelled, CancelJob.Reason, clock.StoreNow()), cancellationToken);
        return result.IsSuccess ? new CancelledArray(command.ArrayId, result.Value.Tasks, result.Value.Changed) : result.Failure;
    }
}
