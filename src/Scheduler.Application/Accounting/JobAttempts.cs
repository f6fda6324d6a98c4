using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Accounting;

/// <summary>One attempt: from placement (Admitted) until the job let its GPUs go; <see cref="Open"/> while it still holds them.</summary>
public sealed record AttemptUsage(int Attempt, DateTimeOffset Start, DateTimeOffset End, bool Open, double Seconds, double GpuSeconds);

/// <summary>
/// What a job used, from what is stored: its transitions (placement and release times, <see cref="GpuHolding.Intervals"/>),
/// its GPUs from the spec, the GPU type it is placed on (the node's type while its pods exist, else the type its estimate
/// priced), the estimate's predicted GPU-hours and memory, and telemetry's measured GPU-hours and peak memory.
/// Accounting reads the same intervals as the dashboard's allocation chart, so the two agree by construction.
/// <see cref="Team"/> is the team that owns the job's queue (null: a queue no team owns).
/// </summary>
internal sealed record JobUsage(
    Job Job, string? Team, string GpuType, double Gpus, IReadOnlyList<AttemptUsage> Attempts, double? PredictedGpuHours, double? PredictedMemoryGiB,
    double? MeasuredGpuHours, double? PeakMemoryGiB)
{
    /// <summary>GPU-seconds of the attempts inside [from, to).</summary>
    public double GpuSecondsWithin(DateTimeOffset from, DateTimeOffset to) =>
        Attempts.Sum(a => new HoldInterval(a.Start, a.End).HoursWithin(from, to) * 3600 * Gpus);

    /// <summary>
    /// Jobs that held GPUs at some time in [from, to) or ended in it, filtered by queue, state, submitter and (private mode)
    /// the teams whose queues the caller may see (null: all), oldest first.
    /// </summary>
    public static async Task<List<JobUsage>> LoadAsync(
        SchedulerDbContext db, IClusterView cluster, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, UsageFilter filter,
        CancellationToken cancellationToken)
    {
        var query = StoreQueries.OfTeams(db, db.Jobs.AsNoTracking(), filter.Teams).Where(GpuHolding.HeldGpusSince(from)).Where(j => j.CreatedAt < to);
        if (filter.Queue is { } queue)
        {
            query = query.Where(j => j.Queue == queue);
        }

        if (filter.User is { } user)
        {
            query = query.Where(j => j.SubmittedBy == user);
        }

        if (filter.State is { } wanted)
        {
            query = query.Where(j => j.State == wanted);
        }

        var jobs = await query.OrderBy(j => j.CreatedAt).ThenBy(j => j.Id).ToListAsync(cancellationToken);
        var ids = jobs.Select(j => j.Id).ToList();
        var events = (await db.JobEvents.AsNoTracking().Where(e => ids.Contains(e.JobId)).ToListAsync(cancellationToken)).ToLookup(e => e.JobId);
        var estimates = await db.JobEstimates.AsNoTracking().Where(e => ids.Contains(e.JobId)).ToDictionaryAsync(e => e.JobId, cancellationToken);
        var measured = await db.JobMeasurements.AsNoTracking().Where(m => ids.Contains(m.JobId)).ToDictionaryAsync(m => m.JobId, cancellationToken);
        var queues = jobs.Select(j => j.Queue).Distinct().ToList();
        var teams = await db.Queues.AsNoTracking().Where(q => queues.Contains(q.Name)).ToDictionaryAsync(q => q.Name, q => q.Team, StringComparer.Ordinal, cancellationToken);
        var placed = ClusterAllocation.PlacedGpuTypes(await cluster.ReadAsync(cancellationToken));

        var usage = new List<JobUsage>();
        foreach (var job in jobs)
        {
            var gpus = job.Spec.Resources?.GpuShare() ?? 0;
            var intervals = GpuHolding.Intervals(events[job.Id], now);
            var attempts = intervals.Select((i, n) => new AttemptUsage(n + 1, i.Start, i.End, Open: n == intervals.Count - 1 && JobStateMachine.HoldsResources(job.State),
                (i.End - i.Start).TotalSeconds, (i.End - i.Start).TotalSeconds * gpus)).ToList();
            var ended = JobStateMachine.IsFinal(job.State) && job.UpdatedAt >= from && job.UpdatedAt < to;
            if (!ended && !attempts.Any(a => a.Start < to && a.End > from))
            {
                continue;
            }

            var estimate = estimates.GetValueOrDefault(job.Id);
            var measurement = measured.GetValueOrDefault(job.Id);
            usage.Add(new JobUsage(job, teams.GetValueOrDefault(job.Queue), placed.GetValueOrDefault(job.Id) ?? estimate?.GpuType ?? GpuHolding.PreferredGpuType(job.Spec), gpus, attempts,
                estimate?.PredictedGpuHours, estimate?.MemoryPerGpuGiB, measurement?.GpuHours, measurement?.PeakMemoryGiB));
        }

        return usage;
    }
}

/// <summary>Which jobs accounting reads: by queue, state, submitter; <see cref="Teams"/> (private mode) keeps the jobs of those teams' queues only.</summary>
public sealed record UsageFilter(string? Queue = null, JobState? State = null, string? User = null, IReadOnlyList<string>? Teams = null);
