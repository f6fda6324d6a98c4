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
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Queued || j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted)
            .OrderBy(j => j.CreatedAt).ThenBy(j => j.Id)
            .ToListAsync(cancellationToken);
        return jobs.Select(j => new ActiveJob(
            j.Id, j.Name, j.Queue, j.Namespace, j.PriorityClass, j.State, j.Spec, j.Attempt, j.Version, j.CreatedAt, j.QueuedAt, j.StartedAt,
            j.Placement, PredictedRuntime(j), j.Progress, j.LastCheckpointStep, j.LastCheckpointAt, j.PreemptionCount, j.LastPreemptedAt,
            j.FailedAttempts, j.PendingReason, j.PredictedStart)).ToList();
    }

    /// <summary>The estimate's wall-clock time; none for a spec the estimator cannot price (it then runs without a prediction).</summary>
    private TimeSpan? PredictedRuntime(Job job)
    {
        try
        {
            var hours = _estimator.Estimate(job.Spec).WallHours;
            return double.IsFinite(hours) && hours >= 0 ? TimeSpan.FromHours(Math.Min(hours, 24 * 365 * 10)) : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
