using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>Every job the scheduler still acts on (Queued, Admitted, Running or Preempted), oldest first: the cycle's input.</summary>
public sealed record ListActiveJobs : IQuery<IReadOnlyList<ActiveJob>>;

internal sealed class ListActiveJobsHandler(SchedulerDbContext db) : IQueryHandler<ListActiveJobs, IReadOnlyList<ActiveJob>>
{
    public async ValueTask<IReadOnlyList<ActiveJob>> Handle(ListActiveJobs query, CancellationToken cancellationToken)
    {
        // A queued job held for its queue's GPU-hour budget is not the scheduler's until released (its reason is the hold).
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Queued || j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted)
            .Where(j => j.State != JobState.Queued || !db.BudgetCharges.Any(c => c.JobId == j.Id && c.HoldReason != null))
            .OrderBy(j => j.CreatedAt).ThenBy(j => j.Id)
            .ToListAsync(cancellationToken);
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
