using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Admission;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>Every job the scheduler still acts on, oldest first, each with the estimator's predicted runtime (the cycle's input).</summary>
public sealed record ListActiveJobs : IQuery<IReadOnlyList<ActiveJob>>;

internal sealed class ListActiveJobsHandler(SchedulerDbContext db, GpuCatalog catalog) : IQueryHandler<ListActiveJobs, IReadOnlyList<ActiveJob>>
{
    private readonly Estimator _estimator = new(catalog);

    public async ValueTask<IReadOnlyList<ActiveJob>> Handle(ListActiveJobs query, CancellationToken cancellationToken)
    {
        // A queued job held for its queue's GPU-hour budget is not the scheduler's until released (its reason is the hold).
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Queued || j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted)
            .Where(j => j.State != JobState.Queued || !db.BudgetCharges.Any(c => c.JobId == j.Id && c.HoldReason != null))
            .OrderBy(j => j.CreatedAt).ThenBy(j => j.Id)
            .ToListAsync(cancellationToken);
        var ids = jobs.Select(j => j.Id).ToList();
        var stored = await db.JobEstimates.AsNoTracking()
            .Where(e => ids.Contains(e.JobId))
            .Select(e => new { e.JobId, e.PredictedGpuHours, e.Gpus })
            .ToDictionaryAsync(e => e.JobId, e => e.Gpus > 0 ? e.PredictedGpuHours / e.Gpus : double.NaN, cancellationToken);
        return jobs.Select(j => new ActiveJob(
            j.Id, j.Name, j.Queue, j.Namespace, j.PriorityClass, j.State, j.Spec, j.Attempt, j.Version, j.CreatedAt, j.QueuedAt, j.StartedAt,
            j.Placement, PredictedRuntime(j, stored.GetValueOrDefault(j.Id, double.NaN)), j.Progress, j.LastCheckpointStep, j.LastCheckpointAt,
            j.PreemptionCount, j.LastPreemptedAt, j.FailedAttempts, j.PendingReason, j.PredictedStart)).ToList();
    }

    /// <summary>
    /// Wall-clock hours from the estimate stored at submission (priced with the MFU calibrated then), else from the estimator now;
    /// none for a spec the estimator cannot price (it then runs without a prediction).
    /// </summary>
    private TimeSpan? PredictedRuntime(Job job, double storedWallHours)
    {
        try
        {
            var hours = double.IsFinite(storedWallHours) ? storedWallHours : _estimator.Estimate(job.Spec).WallHours;
            return double.IsFinite(hours) && hours >= 0 ? TimeSpan.FromHours(Math.Min(hours, 24 * 365 * 10)) : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
