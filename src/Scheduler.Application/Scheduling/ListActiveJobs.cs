using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Every job the scheduler still acts on (Queued, Admitted, Running or Preempted), oldest first: the cycle's input. Of an
/// array's queued tasks only the first <see cref="ArrayTasksPerCycle"/> by index are read (the operator's gate offers the
/// core at most its parallelism of them anyway), so a 10,000-task array does not cost every cycle 10,000 rows.
/// </summary>
public sealed record ListActiveJobs : IQuery<IReadOnlyList<ActiveJob>>
{
    public const int ArrayTasksPerCycle = 1_000;
}

internal sealed class ListActiveJobsHandler(SchedulerDbContext db, TimeProvider clock) : IQueryHandler<ListActiveJobs, IReadOnlyList<ActiveJob>>
{
    public async ValueTask<IReadOnlyList<ActiveJob>> Handle(ListActiveJobs query, CancellationToken cancellationToken)
    {
        // A queued job held for its queue's GPU-hour budget is not the scheduler's until released (its reason is the hold).
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Queued || j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted)
            .Where(j => j.State != JobState.Queued || j.ArrayId == null)
            .Where(j => j.State != JobState.Queued || !db.BudgetCharges.Any(c => c.JobId == j.Id && c.HoldReason != null))
            // Nor is a job a person holds (its pending reason says who); it keeps its place (QueuedAt) for when it is released.
            .Where(j => j.State != JobState.Queued || j.HeldBy == null)
            .ToListAsync(cancellationToken);
        // The first queued tasks of each array by index: a window over the array's queued rows (id and index only), then the rows.
        var tasks = await db.Jobs.FromSql($"""
                SELECT * FROM jobs WHERE id IN (
                  SELECT id FROM (
                    SELECT id, row_number() OVER (PARTITION BY array_id ORDER BY array_index) AS n
                    FROM jobs WHERE state = 'Queued' AND array_id IS NOT NULL) AS queued
                  WHERE n <= {ListActiveJobs.ArrayTasksPerCycle})
                """)
            .AsNoTracking()
            .Where(j => !db.BudgetCharges.Any(c => c.JobId == j.Id && c.HoldReason != null))
            .Where(j => j.HeldBy == null)
            .ToListAsync(cancellationToken);
        jobs = [.. jobs.Concat(tasks).OrderBy(j => j.CreatedAt).ThenBy(j => j.Id)];
        // Nor a job whose notBefore is ahead: its pending reason, set at submission, says when it begins.
        var now = clock.GetUtcNow();
        jobs.RemoveAll(j => j.State == JobState.Queued && j.Spec.NotBefore > now);
        var ids = jobs.Select(j => j.Id).ToList();
        var wallHours = await db.JobEstimates.AsNoTracking()
            .Where(e => ids.Contains(e.JobId) && e.Gpus > 0)
            .ToDictionaryAsync(e => e.JobId, e => e.PredictedGpuHours / e.Gpus, cancellationToken);
        return jobs.Select(j => new ActiveJob(
            j.Id, j.Name, j.Queue, j.Namespace, j.PriorityClass, j.State, j.Spec, j.Attempt, j.Version, j.CreatedAt, j.QueuedAt, j.StartedAt,
            j.Placement, j.Progress, j.LastCheckpointStep, j.LastCheckpointAt, j.PreemptionCount, j.LastPreemptedAt,
            j.FailedAttempts, j.PendingReason, j.PredictedStart, wallHours.TryGetValue(j.Id, out var h) ? h : null, j.Reason,
            j.SubmittedBy, j.ArrayId, j.ArrayIndex)).ToList();
    }
}
