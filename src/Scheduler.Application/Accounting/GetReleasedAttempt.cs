using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Accounting;

/// <summary>
/// The attempt a job's latest transition ended, when that transition let its GPUs go (from Admitted, Running or Preempted
/// to any other state): its GPU-seconds (placed time × GPUs, as accounting counts them) with who and where, for the
/// GPU-seconds counters. Null when the latest transition released nothing (or the job is unknown).
/// </summary>
public sealed record GetReleasedAttempt(Guid JobId) : IQuery<ReleasedAttempt?>;

/// <summary><see cref="Team"/>: the team owning the queue; <see cref="User"/>: who submitted the job (null before identity).</summary>
public sealed record ReleasedAttempt(Guid JobId, int Attempt, string Queue, string? Team, string? User, string GpuType, double GpuSeconds);

internal sealed class GetReleasedAttemptHandler(SchedulerDbContext db, IClusterView cluster) : IQueryHandler<GetReleasedAttempt, ReleasedAttempt?>
{
    public async ValueTask<ReleasedAttempt?> Handle(GetReleasedAttempt query, CancellationToken cancellationToken)
    {
        var job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(j => j.Id == query.JobId, cancellationToken);
        if (job is null || JobStateMachine.HoldsResources(job.State))
        {
            return null;
        }

        var events = await db.JobEvents.AsNoTracking().Where(e => e.JobId == query.JobId).OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
        if (events.Count < 2 || JobStateMachine.HoldsResources(events[^1].To) || !JobStateMachine.HoldsResources(events[^2].To))
        {
            return null;
        }

        // The latest event closed the latest interval: the same intervals accounting and the dashboard read.
        var intervals = GpuHolding.Intervals(events, events[^1].At);
        var last = intervals[^1];
        var gpus = job.Spec.Resources?.GpuShare() ?? 0;
        var team = await db.Queues.AsNoTracking().Where(q => q.Name == job.Queue).Select(q => q.Team).FirstOrDefaultAsync(cancellationToken);
        var estimate = await db.JobEstimates.AsNoTracking().Where(e => e.JobId == job.Id).Select(e => e.GpuType).FirstOrDefaultAsync(cancellationToken);
        var placed = ClusterAllocation.PlacedGpuTypes(await cluster.ReadAsync(cancellationToken)).GetValueOrDefault(job.Id);
        return new ReleasedAttempt(job.Id, intervals.Count, job.Queue, team, job.SubmittedBy, placed ?? estimate ?? GpuHolding.PreferredGpuType(job.Spec),
            (last.End - last.Start).TotalSeconds * gpus);
    }
}
