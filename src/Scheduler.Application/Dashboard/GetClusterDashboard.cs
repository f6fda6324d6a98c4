using FluentValidation;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Dashboard;

/// <summary>
/// The GPU-utilization page: nodes as a heat map, totals per GPU type, the allocation ratio over the last <paramref name="Hours"/>.
/// With <paramref name="Teams"/> (private mode) the jobs of other teams' queues stay as occupancy, without id or name.
/// </summary>
public sealed record GetClusterDashboard(int Hours = 1, IReadOnlyList<string>? Teams = null) : IQuery<ClusterDashboard>
{
    public const string HiddenName = "hidden (another team)";

    public const int MaxHours = 72;
    public const int HistoryPoints = 120;
}

public sealed record ClusterDashboard(
    IReadOnlyList<NodeView> Nodes, IReadOnlyList<GpuTypeUsage> ByType, IReadOnlyList<AllocationPoint> History,
    IReadOnlyList<RunningJobRow> Running, IReadOnlyList<GpuTypeEfficiency> MfuByType);

public sealed record NodeView(string Name, string GpuType, bool Ready, bool Schedulable, IReadOnlyList<GpuView> Gpus, NodeDomains? Domains = null);

public sealed record GpuView(int Index, int AllocatedMilli, IReadOnlyList<JobRef> Jobs);

public sealed record JobRef(Guid Id, string Name);

public sealed record GpuTypeUsage(string GpuType, double Allocated, int Capacity);

/// <summary>Allocated GPUs (from the jobs' transitions) over today's capacity at <paramref name="Time"/>.</summary>
public sealed record AllocationPoint(DateTimeOffset Time, double AllocatedGpus, double AllocationRatio);

/// <summary>A running job; the measured values come from trainer telemetry and are null until the job reports it.</summary>
public sealed record RunningJobRow(Guid Id, string Name, string Queue, double Gpus, string GpuType, double? TokensPerSecond, double? AchievedTflops, double? Mfu);

public sealed record GpuTypeEfficiency(string GpuType, int Jobs, double Mfu);

internal sealed class GetClusterDashboardValidator : MessageValidator<GetClusterDashboard>
{
    public GetClusterDashboardValidator() =>
        RuleFor(m => m.Hours).InclusiveBetween(1, GetClusterDashboard.MaxHours).WithMessage($"must be between 1 and {GetClusterDashboard.MaxHours}");
}

internal sealed class GetClusterDashboardHandler(SchedulerDbContext db, IClusterView cluster, TimeProvider clock)
    : IQueryHandler<GetClusterDashboard, ClusterDashboard>
{
    private const int RunningShown = 200;

    public async ValueTask<ClusterDashboard> Handle(GetClusterDashboard query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var state = await cluster.ReadAsync(cancellationToken);
        var allocation = ClusterAllocation.Of(state);
        var placedTypes = ClusterAllocation.PlacedGpuTypes(state);
        var allocatedIds = allocation.SelectMany(n => n.Gpus).SelectMany(g => g.Jobs).Distinct().ToList();
        var names = await StoreQueries.OfTeams(db, db.Jobs.AsNoTracking(), query.Teams).Where(j => allocatedIds.Contains(j.Id))
            .ToDictionaryAsync(j => j.Id, j => j.Name, cancellationToken);
        // Private mode: a pod of a job the caller may not see (another team's, or one the store no longer knows) is occupancy only.
        JobRef Ref(Guid id) => names.TryGetValue(id, out var name) ? new JobRef(id, name)
            : query.Teams is null ? new JobRef(id, id.ToString()) : new JobRef(Guid.Empty, GetClusterDashboard.HiddenName);

        var nodes = allocation.Select(n => new NodeView(n.Node.Name, n.Node.GpuType, n.Node.Ready, n.Node.Schedulable,
            n.Gpus.Select(g => new GpuView(g.Index, g.AllocatedMilli, g.Jobs.Select(Ref).ToList())).ToList(), n.Node.Domains)).ToList();
        var byType = allocation.GroupBy(n => n.Node.GpuType, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new GpuTypeUsage(g.Key, g.Sum(n => n.AllocatedGpus), g.Sum(n => n.Node.GpuCount))).ToList();

        var running = await db.Jobs.AsNoTracking().Where(j => j.State == JobState.Running)
            .OrderBy(j => j.CreatedAt).Take(RunningShown).ToListAsync(cancellationToken);
        var runningIds = running.Select(j => j.Id).ToList();
        var measured = await db.JobMeasurements.AsNoTracking().Where(m => runningIds.Contains(m.JobId)).ToDictionaryAsync(m => m.JobId, cancellationToken);
        var visible = query.Teams is null ? null
            : (await StoreQueries.OfTeams(db, db.Jobs.AsNoTracking(), query.Teams).Where(j => runningIds.Contains(j.Id)).Select(j => j.Id).ToListAsync(cancellationToken)).ToHashSet();
        var runningViews = running.Select(j =>
        {
            var m = measured.GetValueOrDefault(j.Id);
            var shown = visible is null || visible.Contains(j.Id);
            return new RunningJobRow(shown ? j.Id : Guid.Empty, shown ? j.Name : GetClusterDashboard.HiddenName, j.Queue, j.Spec.Resources?.GpuShare() ?? 0,
                placedTypes.GetValueOrDefault(j.Id) ?? GpuHolding.PreferredGpuType(j.Spec), m?.TokensPerSecond, m?.AchievedTflops, m?.Mfu);
        }).ToList();
        var mfuByType = runningViews.Where(j => j.Mfu is not null).GroupBy(j => j.GpuType, StringComparer.Ordinal)
            .Select(g => new GpuTypeEfficiency(g.Key, g.Count(), g.Average(j => j.Mfu!.Value))).ToList();

        var capacity = byType.Sum(t => t.Capacity);
        var history = await HistoryAsync(now.AddHours(-query.Hours), now, capacity, cancellationToken);
        return new ClusterDashboard(nodes, byType, history, runningViews, mfuByType);
    }

    /// <summary>
    /// GPUs held at evenly spaced instants, from the transitions of every job that held GPUs in the window. Empty without
    /// capacity: a ratio needs a cluster.
    /// </summary>
    private async Task<List<AllocationPoint>> HistoryAsync(DateTimeOffset from, DateTimeOffset now, int capacity, CancellationToken cancellationToken)
    {
        if (capacity == 0)
        {
            return [];
        }

        var jobs = await db.Jobs.AsNoTracking()
            .Where(GpuHolding.HeldGpusSince(from))
            .Select(j => new { j.Id, j.Spec })
            .ToListAsync(cancellationToken);
        var ids = jobs.Select(j => j.Id).ToList();
        var events = (await db.JobEvents.AsNoTracking().Where(e => ids.Contains(e.JobId)).ToListAsync(cancellationToken)).ToLookup(e => e.JobId);
        var held = jobs.Select(j => (Gpus: j.Spec.Resources?.GpuShare() ?? 0, Intervals: GpuHolding.Intervals(events[j.Id], now)))
            .Where(j => j.Intervals.Count > 0).ToList();

        var step = (now - from) / (GetClusterDashboard.HistoryPoints - 1);
        return Enumerable.Range(0, GetClusterDashboard.HistoryPoints).Select(i =>
        {
            var at = i == GetClusterDashboard.HistoryPoints - 1 ? now : from + (step * i);
            var allocated = held.Where(j => j.Intervals.Any(interval => interval.Contains(at) || interval.End == now && at == now)).Sum(j => j.Gpus);
            return new AllocationPoint(at, allocated, Math.Min(1, allocated / capacity));
        }).ToList();
    }
}
