using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// One control over every task of an array (cancel, hold, release): each task that <paramref name="applies"/> to is changed in
/// its own <see cref="JobChanges"/> write, so a task the operator moves meanwhile is decided again on a fresh read.
/// </summary>
internal static class ArrayTaskChanges
{
    /// <param name="applies">Whether the control changes a task in this state (and hold); asked of the listing and again of the fresh read.</param>
    /// <param name="change">The change itself, made only where <paramref name="applies"/> holds.</param>
    /// <returns>How many tasks the array has and how many this call changed; not found when no task has that array id.</returns>
    public static async ValueTask<Result<(int Tasks, int Changed)>> ApplyAsync(
        SchedulerDbContext db, Guid arrayId, Func<JobState, string?, bool> applies, Action<Job> change, CancellationToken cancellationToken)
    {
        // The state and hold of each task only: an array's rows can be 10,000 specs.
        var tasks = await db.Jobs.AsNoTracking().Where(j => j.ArrayId == arrayId)
            .Select(j => new { j.Id, j.State, j.HeldBy }).ToListAsync(cancellationToken);
        if (tasks.Count == 0)
        {
            return Failure.NotFound("arrayId", $"no array has id {arrayId}");
        }

        var changed = 0;
        foreach (var task in tasks.Where(t => applies(t.State, t.HeldBy)))
        {
            var moved = false;
            var result = await JobChanges.ApplyAsync(db, task.Id, job =>
            {
                if (applies(job.State, job.HeldBy))
                {
                    change(job);
                    moved = true;
                }

                return null;
            }, cancellationToken);
            if (!result.IsSuccess)
            {
                return result.Failure;
            }

            changed += moved ? 1 : 0;
        }

        return (tasks.Count, changed);
    }
}
