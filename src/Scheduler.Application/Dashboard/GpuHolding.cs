using System.Linq.Expressions;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;

namespace Scheduler.Application.Dashboard;

/// <summary>A stretch of time during which a job held its GPUs (Admitted, Running, or Preempted within its grace period).</summary>
public readonly record struct HoldInterval(DateTimeOffset Start, DateTimeOffset End)
{
    public double HoursWithin(DateTimeOffset from, DateTimeOffset to)
    {
        var start = Start > from ? Start : from;
        var end = End < to ? End : to;
        return end > start ? (end - start).TotalHours : 0;
    }

    public bool Contains(DateTimeOffset at) => Start <= at && at < End;
}

/// <summary>
/// When jobs held GPUs, derived from their stored transitions: from entering a state that holds resources
/// (<see cref="JobStateMachine.HoldsResources"/>) until leaving them.
/// The allocation-over-time chart and "GPU-hours so far" read this, so no extra table is needed.
/// </summary>
public static class GpuHolding
{
    /// <summary>In SQL: the job holds GPUs now (<see cref="JobStateMachine.HoldsResources"/>).</summary>
    public static readonly Expression<Func<Job, bool>> HoldsGpusNow =
        j => j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted;

    /// <summary>In SQL: the job held GPUs at some time since <paramref name="since"/> (changed since, or holds them now).</summary>
    public static Expression<Func<Job, bool>> HeldGpusSince(DateTimeOffset since) =>
        j => j.UpdatedAt >= since || j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted;

    /// <summary>The job's intervals from its events (any order); one still open at <paramref name="now"/> ends there.</summary>
    public static IReadOnlyList<HoldInterval> Intervals(IEnumerable<JobEvent> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(events);
        var intervals = new List<HoldInterval>();
        DateTimeOffset? since = null;
        foreach (var e in events.OrderBy(e => e.Sequence))
        {
            if (JobStateMachine.HoldsResources(e.To))
            {
                since ??= e.At;
            }
            else if (since is { } start)
            {
                intervals.Add(new HoldInterval(start, e.At));
                since = null;
            }
        }

        if (since is { } open && open < now)
        {
            intervals.Add(new HoldInterval(open, now));
        }

        return intervals;
    }

    /// <summary>The first of the spec's GPU-type alternatives: the type a job counts against before it is placed.</summary>
    public static string PreferredGpuType(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Resources?.GpuType is { } type ? GpuCatalog.SplitAlternatives(type).FirstOrDefault() ?? type : "unknown";
    }
}
