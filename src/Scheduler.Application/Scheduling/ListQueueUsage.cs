using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Every queue with its decayed usage for fair sharing: the GPU-hours of every attempt that ran, from its move to Running
/// until it gave its GPUs back (requeued, finished) or up to now while it still holds them, each halved per half-life since
/// it ended; attempts that ended more than four half-lives ago are left out. A requeued job's attempts come from its events,
/// so one cut short by a preemption, a retry or a node failure counts as much as one that finished: its GPUs were held all
/// the same. Only requeued jobs' events are read: every other job ran at most once, and its start and last change say when;
/// those are summed by the database, the ended ones and the ones still holding their GPUs.
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

        var usage = await RanOnceUsageAsync(now, horizon, halfLife, cancellationToken);

        // What is left are the jobs admitted more than once, or without a start (requeued, or ended while queued): an attempt
        // of theirs may not show in their own start and end times, so their attempts come from their events. A job's last change
        // is at or after the end of each of its attempts, so older jobs cannot have one within the horizon. A job admitted for
        // the first time has not run yet (Running is only entered from Admitted): nothing to read for it, and in a burst
        // thousands of them wait for their pods. The GPU share comes from the spec's JSON in the database (as in
        // RanOnceUsageAsync): deserialising the specs cost the cycle as much as its whole snapshot.
        var jobs = await db.Database.SqlQuery<UsageRow>($"""
                SELECT id, queue,
                       COALESCE((spec->'resources'->>'gpuMilli')::float8 / 1000, (spec->'resources'->>'gpus')::float8, 0) AS gpus
                FROM jobs
                WHERE attempt > 0 AND (state IN ('Running', 'Preempted') OR updated_at > {horizon})
                  AND NOT (attempt = 1 AND started_at IS NOT NULL)
                  AND NOT (attempt = 1 AND state = 'Admitted')
                """).ToListAsync(cancellationToken);
        var ids = jobs.Select(j => j.Id).ToList();
        var events = await db.JobEvents.AsNoTracking()
            .Where(e => ids.Contains(e.JobId)
                        && (e.To == JobState.Running || ((e.From == JobState.Running || e.From == JobState.Preempted) && e.To != JobState.Preempted)))
            .Select(e => new { e.JobId, e.Sequence, e.To, e.At })
            .ToListAsync(cancellationToken);
        var eventsByJob = events.ToLookup(e => e.JobId);

        foreach (var job in jobs)
        {
            var hours = Attempts(eventsByJob[job.Id].OrderBy(e => e.Sequence).Select(e => (e.To, e.At)), now)
                .Where(s => s.End > horizon)
                .Sum(s => Math.Max(0, (s.End - s.Start).TotalHours) * job.Gpus * Math.Pow(0.5, (now - s.End) / halfLife));
            usage[job.Queue] = usage.GetValueOrDefault(job.Queue) + hours;
        }

        return queues.Select(q => new QueueUsage(q.Name, q.Spec, usage.GetValueOrDefault(q.Name), now)).ToList();
    }

    /// <summary>
    /// The decayed GPU-hours of the jobs that ran once, summed per queue by the database: those that ended within the horizon
    /// (most of the horizon's jobs: reading and deserialising each of their specs cost the cycle hundreds of milliseconds at
    /// 100k+ jobs) and those that still hold their GPUs (Running, or Preempted and stopping), charged up to now undecayed
    /// (every cycle asks, and reading each of thousands of running jobs cost the cycle more than its snapshot). The GPU share
    /// is <see cref="Domain.Specs.ResourceSpec.GpuShare"/> read from the stored spec's JSON.
    /// </summary>
    private async Task<Dictionary<string, double>> RanOnceUsageAsync(
        DateTimeOffset now, DateTimeOffset horizon, TimeSpan halfLife, CancellationToken cancellationToken)
    {
        var finalStates = JobStateMachine.FinalStates.Select(s => s.ToString()).ToArray();
        var halfLifeSeconds = halfLife.TotalSeconds;
        var rows = await db.Database.SqlQuery<RanOnceQueueUsage>($"""
            SELECT queue,
                   SUM(GREATEST(0, EXTRACT(EPOCH FROM ended - started_at)::float8 / 3600)
                       * COALESCE((spec->'resources'->>'gpuMilli')::float8 / 1000, (spec->'resources'->>'gpus')::float8, 0)
                       * POWER(0.5, EXTRACT(EPOCH FROM {now} - ended)::float8 / {halfLifeSeconds})) AS gpu_hours
            FROM (SELECT queue, spec, started_at, CASE WHEN state = ANY({finalStates}) THEN updated_at ELSE {now} END AS ended
                  FROM jobs
                  WHERE attempt = 1 AND started_at IS NOT NULL AND (state IN ('Running', 'Preempted') OR updated_at > {horizon})) AS ran_once
            GROUP BY queue
            """).ToListAsync(cancellationToken);
        return rows.ToDictionary(r => r.Queue, r => r.GpuHours, StringComparer.Ordinal);
    }

    private sealed record RanOnceQueueUsage(string Queue, double GpuHours);

    private sealed record UsageRow(Guid Id, string Queue, double Gpus);

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
                // An update of a running job is an event from Running to Running: the attempt goes on.
                start ??= at;
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
