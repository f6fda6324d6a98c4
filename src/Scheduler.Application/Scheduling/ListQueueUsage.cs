using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Every queue with its decayed usage for fair sharing: GPU-hours of running attempts up to now, plus those of attempts that
/// ended within four half-lives, each halved per half-life since it ended. Derived from the jobs' start and end times; an
/// attempt cut short by a requeue is not counted (the job's start is reset).
/// </summary>
public sealed record ListQueueUsage(TimeSpan HalfLife) : IQuery<IReadOnlyList<QueueUsage>>;

internal sealed class ListQueueUsageHandler(SchedulerDbContext db, TimeProvider clock) : IQueryHandler<ListQueueUsage, IReadOnlyList<QueueUsage>>
{
    public async ValueTask<IReadOnlyList<QueueUsage>> Handle(ListQueueUsage query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var halfLife = query.HalfLife > TimeSpan.Zero ? query.HalfLife : TimeSpan.FromDays(7);
        var horizon = now - (4 * halfLife);
        var queues = await db.Queues.AsNoTracking().OrderBy(q => q.Name).ToListAsync(cancellationToken);
        var runs = await db.Jobs.AsNoTracking()
            .Where(j => j.StartedAt != null
                        && (j.State == JobState.Running || j.State == JobState.Preempted
                            || ((j.State == JobState.Succeeded || j.State == JobState.Failed || j.State == JobState.Cancelled) && j.UpdatedAt > horizon)))
            .Select(j => new { j.Queue, j.State, j.Spec, j.StartedAt, j.UpdatedAt })
            .ToListAsync(cancellationToken);
        var usage = runs
            .GroupBy(r => r.Queue)
            .ToDictionary(g => g.Key, g => g.Sum(r =>
            {
                var ended = JobStateMachine.IsFinal(r.State) ? r.UpdatedAt : now;
                var gpus = (r.Spec.Resources?.Gpus ?? 0) * (r.Spec.Resources?.GpuMilli ?? 1000) / 1000.0;
                var hours = Math.Max(0, (ended - r.StartedAt!.Value).TotalHours) * gpus;
                return hours * Math.Pow(0.5, (now - ended) / halfLife);
            }));
        return queues.Select(q => new QueueUsage(q.Name, q.Spec, usage.GetValueOrDefault(q.Name), now)).ToList();
    }
}
