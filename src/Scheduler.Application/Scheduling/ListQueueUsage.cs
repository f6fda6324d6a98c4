using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Every queue with its decayed usage for fair sharing: the GPU-hours of every attempt that ran, from its move to Running
/// until it gave its GPUs back (requeued, finished) or up to now while it still holds them, each halved per half-life since
/// it ended; attempts that ended more than four half-lives ago are left out. Attempts come from the job's events, so one cut
/// short by a preemption, a retry or a node failure counts as much as one that finished: its GPUs were held all the same.
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

        // A job's last change is at or after the end of each of its attempts, so older jobs cannot have one within the horizon.
        var jobs = await db.Jobs.AsNoTracking()
            .Where(j => j.Attempt > 0 && (j.State == JobState.Running || j.State == JobState.Preempted || j.UpdatedAt > horizon))
            .Where(j => db.JobEvents.Any(e => e.JobId == j.Id && e.To == JobState.Running))
            .Select(j => new { j.Id, j.Queue, j.Spec })
            .ToListAsync(cancellationToken);
        var ids = jobs.Select(j => j.Id).ToList();
        var events = await db.JobEvents.AsNoTracking()
            .Where(e => ids.Contains(e.JobId)
                        && (e.To == JobState.Running || ((e.From == JobState.Running || e.From == JobState.Preempted) && e.To != JobState.Preempted)))
            .Select(e => new { e.JobId, e.Sequence, e.To, e.At })
            .ToListAsync(cancellationToken);
        var eventsByJob = events.ToLookup(e => e.JobId);

        var usage = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var gpus = (job.Spec.Resources?.Gpus ?? 0) * (job.Spec.Resources?.GpuMilli ?? 1000) / 1000.0;
            var spans = Attempts(eventsByJob[job.Id].OrderBy(e => e.Sequence).Select(e => (e.To, e.At)), now);
            var hours = spans
                .Where(s => s.End > horizon)
                .Sum(s => Math.Max(0, (s.End - s.Start).TotalHours) * gpus * Math.Pow(0.5, (now - s.End) / halfLife));
            usage[job.Queue] = usage.GetValueOrDefault(job.Queue) + hours;
        }

        return queues.Select(q => new QueueUsage(q.Name, q.Spec, usage.GetValueOrDefault(q.Name), now)).ToList();
    }

    /// <summary>
    /// The spans in which an attempt held its GPUs: from entering Running to leaving Running or Preempted for anything but
    /// Preempted (a preempted attempt keeps its GPUs until its pods have stopped); an attempt not ended yet runs up to now.
    /// </summary>
    internal static IEnumerable<(DateTimeOffset Start, DateTimeOffset End)> Attempts(IEnumerable<(JobState To, DateTimeOffset At)> events, DateTimeOffset now)
    {
        DateTimeOffset? start = null;
        foreach (var (to, at) in events)
        {
            if (to == JobState.Running)
            {
                start = at;
            }
            else if (start is { } started)
            {
                yield return (started, at);
                start = null;
            }
        }

        if (start is { } open)
        {
            yield return (open, now);
        }
    }
}
