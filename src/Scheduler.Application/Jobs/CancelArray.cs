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
        var tasks = await db.Jobs.AsNoTracking().Where(j => j.ArrayId == command.ArrayId)
            .Select(j => new { j.Id, j.State }).ToListAsync(cancellationToken);
        if (tasks.Count == 0)
        {
            return Failure.NotFound("arrayId", $"no array has id {command.ArrayId}");
        }

        var cancelled = 0;
        foreach (var task in tasks.Where(t => !JobStateMachine.IsFinal(t.State)))
        {
            var moved = false;
            var result = await JobChanges.ApplyAsync(db, task.Id, job =>
            {
                if (!JobStateMachine.IsFinal(job.State))
                {
                    job.TransitionTo(JobState.Cancelled, CancelJob.Reason, clock.StoreNow());
                    moved = true;
                }

                return null;
            }, cancellationToken);
            if (!result.IsSuccess)
            {
                return result.Failure;
            }

            cancelled += moved ? 1 : 0;
        }

        return new CancelledArray(command.ArrayId, tasks.Count, cancelled);
    }
}
