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
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Queued || j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted)
            .OrderBy(j => j.CreatedAt).ThenBy(j => j.Id)
            .ToListAsync(cancellationToken);
        return jobs.Select(j => new ActiveJob(
            j.Id, j.Name, j.Queue, j.Namespace, j.PriorityClass, j.State, j.Spec, j.Attempt, j.Version, j.CreatedAt, j.QueuedAt, j.StartedAt,
            j.Placement, j.Progress, j.LastCheckpointStep, j.LastCheckpointAt, j.PreemptionCount, j.LastPreemptedAt,
            j.FailedAttempts, j.PendingReason, j.PredictedStart)).ToList();
    }
}
