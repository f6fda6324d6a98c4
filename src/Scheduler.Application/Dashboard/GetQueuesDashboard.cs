using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Admission;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Persistence;

namespace Scheduler.Application.Dashboard;

/// <summary>
/// Every queue with its quota bars, budget, job counts and pending list (at most <see cref="PendingPerQueue"/>, in order;
/// none when <paramref name="WithPending"/> is false, as for <c>/metrics</c>).
/// </summary>
public sealed record GetQueuesDashboard(bool WithPending = true) : IQuery<QueuesDashboard>
{
    public const int PendingPerQueue = 50;
}

public sealed record QueuesDashboard(IReadOnlyList<QueueBoard> Queues);

public sealed record QueueBoard(
    string Name, string? Cohort, StateCounts Counts, IReadOnlyList<QuotaBar> Quota, BudgetBar? Budget, IReadOnlyList<PendingJobRow> Pending);

public sealed record StateCounts(int Queued, int Admitted, int Running);

/// <summary>GPUs of one type: in use (above nominal is borrowed), the limits, and what the queue can lend now.</summary>
public sealed record QuotaBar(string GpuType, int Nominal, double Used, double Borrowed, int? BorrowingLimit, double Lendable);

/// <summary>The GPU-hour budget of the current period (UTC day, ISO week from Monday, or calendar month), its ledger's charges and what is left.</summary>
public sealed record BudgetBar(BudgetPeriod Period, DateTimeOffset PeriodStart, double GpuHours, double UsedGpuHours, double RemainingGpuHours);

/// <summary>
/// A queued job in scheduling order (priority class, then age) with the reason it waits. <see cref="PredictedStart"/> comes
/// from the scheduler's backfill reservation and is null until the scheduler records one.
/// </summary>
public sealed record PendingJobRow(
    Guid Id, string Name, int Position, string PriorityClass, double Gpus, string GpuType, string Reason,
    DateTimeOffset? PredictedStart, double? PredictedGpuHours, double? PredictedWallHours, DateTimeOffset CreatedAt);

internal sealed class GetQueuesDashboardHandler(
    SchedulerDbContext db, IClusterView cluster, JobEstimates estimates, PriorityClasses priorities, TimeProvider clock)
    : IQueryHandler<GetQueuesDashboard, QueuesDashboard>
{
    public const string WaitingForCycle = "Submitted; waiting for the next scheduling cycle";

    public async ValueTask<QueuesDashboard> Handle(GetQueuesDashboard query, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var queues = await db.Queues.AsNoTracking().OrderBy(q => q.Name).ToListAsync(cancellationToken);
        var counts = await db.Jobs.AsNoTracking()
            .Where(j => j.State == JobState.Queued || j.State == JobState.Admitted || j.State == JobState.Running)
            .GroupBy(j => new { j.Queue, j.State, j.PriorityClass })
            .Select(g => new { g.Key.Queue, g.Key.State, g.Key.PriorityClass, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var holders = await db.Jobs.AsNoTracking()
            .Where(GpuHolding.HoldsGpusNow)
            .Select(j => new { j.Id, j.Queue, j.Spec })
            .ToListAsync(cancellationToken);
        var placedTypes = ClusterAllocation.PlacedGpuTypes(await cluster.ReadAsync(cancellationToken));

        var boards = new List<QueueBoard>(queues.Count);
        foreach (var queue in queues)
        {
            int Count(JobState state) => counts.Where(c => c.Queue == queue.Name && c.State == state).Sum(c => c.Count);
            var usedByType = holders.Where(h => h.Queue == queue.Name)
                .GroupBy(h => placedTypes.GetValueOrDefault(h.Id) ?? GpuHolding.PreferredGpuType(h.Spec), StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Sum(h => h.Spec.Resources?.GpuShare() ?? 0), StringComparer.Ordinal);
            var pendingClasses = counts.Where(c => c.Queue == queue.Name && c.State == JobState.Queued).Select(c => c.PriorityClass).ToList();
            boards.Add(new QueueBoard(
                queue.Name,
                queue.Spec.Cohort,
                new StateCounts(Count(JobState.Queued), Count(JobState.Admitted), Count(JobState.Running)),
                QuotaBars(queue.Spec, usedByType),
                queue.Spec.GpuHourBudget is { } budget ? await BudgetAsync(queue.Name, budget, now, cancellationToken) : null,
                query.WithPending ? await PendingAsync(queue.Name, pendingClasses, cancellationToken) : []));
        }

        return new QueuesDashboard(boards);
    }

    private static List<QuotaBar> QuotaBars(QueueSpec spec, Dictionary<string, double> usedByType)
    {
        var nominal = spec.NominalQuota ?? new Dictionary<string, int>();
        return nominal.Keys.Union(usedByType.Keys).Order(StringComparer.Ordinal).Select(type =>
        {
            var quota = nominal.GetValueOrDefault(type);
            var used = usedByType.GetValueOrDefault(type);
            var idle = Math.Max(0, quota - used);
            var lendable = spec.LendingLimit?.TryGetValue(type, out var limit) == true ? Math.Min(limit, idle) : idle;
            int? borrowingLimit = spec.BorrowingLimit?.TryGetValue(type, out var borrow) == true ? borrow : null;
            return new QuotaBar(type, quota, used, Math.Max(0, used - quota), borrowingLimit, lendable);
        }).ToList();
    }

    /// <summary>
    /// The budget as admission enforces it: the queue's ledger of charges in the period (predicted for jobs still going,
    /// measured for jobs that ended), so the bar, <c>GET /api/v1/queues/{name}</c> and the refusal a user gets agree.
    /// </summary>
    private async Task<BudgetBar?> BudgetAsync(string queue, GpuHourBudget budget, DateTimeOffset now, CancellationToken cancellationToken) =>
        await BudgetUsage.OfAsync(db, queue, budget, now, cancellationToken) is { } usage
            ? new BudgetBar(usage.Period, usage.PeriodStart, usage.GpuHours, usage.UsedGpuHours, usage.RemainingGpuHours)
            : null;

    /// <summary>
    /// Per priority class the longest-waiting jobs, merged highest class first: the order the scheduler heads the queue in. Age is
    /// the time since the job last entered the queue (a requeued job waits behind those queued before its requeue), as in the core.
    /// </summary>
    private async Task<List<PendingJobRow>> PendingAsync(string queue, IEnumerable<string> priorityClasses, CancellationToken cancellationToken)
    {
        var jobs = new List<Job>();
        foreach (var priorityClass in priorityClasses.Distinct(StringComparer.Ordinal))
        {
            jobs.AddRange(await db.Jobs.AsNoTracking()
                .Where(j => j.Queue == queue && j.State == JobState.Queued && j.PriorityClass == priorityClass)
                .OrderBy(j => j.QueuedAt).ThenBy(j => j.Id)
                .Take(GetQueuesDashboard.PendingPerQueue)
                .ToListAsync(cancellationToken));
        }

        var heads = jobs
            .OrderByDescending(j => priorities.Contains(j.PriorityClass) ? priorities.ValueOf(j.PriorityClass) : int.MinValue)
            .ThenBy(j => j.QueuedAt).ThenBy(j => j.Id)
            .Take(GetQueuesDashboard.PendingPerQueue)
            .ToList();
        // The estimate each job was admitted with, and why it waits for budget, as the job API shows them.
        var details = await AdmissionRecords.AttachAllAsync(db, [.. heads.Select(JobDetails.From)], cancellationToken);
        return heads
            .Select((job, index) =>
            {
                var estimate = estimates.For(job.Spec, details[index].Estimate);
                return new PendingJobRow(job.Id, job.Name, index + 1, job.PriorityClass, job.Spec.Resources?.GpuShare() ?? 0, job.Spec.Resources?.GpuType ?? "",
                    details[index].BudgetHold ?? ReasonOf(job), job.PredictedStart, estimate?.GpuHours, estimate?.WallHours, job.CreatedAt);
            })
            .ToList();
    }

    /// <summary>The scheduler's own words once a cycle has looked at the job, else the reason of its last transition.</summary>
    internal static string ReasonOf(Job job) =>
        job.PendingReason ?? (job.Reason == Job.SubmittedReason ? WaitingForCycle : job.Reason);
}
