using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Queues;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// A queue's GPU-hour budget in the current period: the limit, what its charges add up to (predicted for jobs still going,
/// measured for jobs that ended), what is left, and how many jobs wait for budget.
/// </summary>
public sealed record BudgetUsage(
    BudgetPeriod Period,
    double GpuHours,
    BudgetExceededAction WhenExceeded,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    double UsedGpuHours,
    double RemainingGpuHours,
    int HeldJobs)
{
    /// <summary>The queue's usage in the period <paramref name="at"/> falls in; null when the queue has no budget.</summary>
    internal static async ValueTask<BudgetUsage?> OfAsync(SchedulerDbContext db, string queue, GpuHourBudget? budget, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (budget is not { Period: { } period, GpuHours: { } limit })
        {
            return null;
        }

        var start = BudgetPeriods.Start(period, at);
        var end = BudgetPeriods.End(period, at);
        var charges = db.BudgetCharges.AsNoTracking().Where(c => c.Queue == queue);
        var used = await charges.Where(c => c.HoldReason == null && c.ChargedAt >= start && c.ChargedAt < end).SumAsync(c => c.GpuHours, cancellationToken);
        var held = await charges.CountAsync(c => c.HoldReason != null, cancellationToken);
        return new BudgetUsage(period, limit, budget.WhenExceeded ?? BudgetExceededAction.Reject, start, end, used, Math.Max(0, limit - used), held);
    }

    /// <summary>"needs 120.0 GPU-hours; queue 'research' has 50.0 of its 100 GPU-hours per week left until 2026-11-30T00:00Z".</summary>
    internal string Shortfall(string queue, double needed) =>
        $"needs {needed:0.0} GPU-hours; queue '{queue}' has {RemainingGpuHours:0.0} of its {GpuHours:0.###} GPU-hours per {BudgetPeriods.Name(Period)} left until {PeriodEnd:yyyy-MM-ddTHH:mm}Z";

    /// <summary>"needs 120.0 GPU-hours; queue 'research''s whole budget per week is 100 GPU-hours".</summary>
    internal string BeyondWholeBudget(string queue, double needed) =>
        $"needs {needed:0.0} GPU-hours; queue '{queue}''s whole budget per {BudgetPeriods.Name(Period)} is {GpuHours:0.###} GPU-hours, so no {BudgetPeriods.Name(Period)} could admit it";
}
