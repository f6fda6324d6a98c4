using FluentValidation;
using Microsoft.Extensions.Configuration;
using Mediator;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Queues;
using Scheduler.Persistence;

namespace Scheduler.Application.Accounting;

/// <summary>
/// What usage is grouped by: the job's queue, the user who submitted it, or the team that owns its queue. Jobs without a
/// submitter (before identity) count under <see cref="GetUsage.Unknown"/>, queues no team owns under <see cref="GetUsage.NoTeam"/>.
/// </summary>
public enum UsageGrouping
{
    Queue,
    User,
    Team,
}

/// <summary>
/// sreport: GPU-hours by group, period (UTC day, ISO week from Monday, calendar month, as budgets count) and GPU type in
/// [<paramref name="From"/>, <paramref name="To"/>) (default: the last 30 days); each attempt's placed time × GPUs, split
/// at period boundaries, with the jobs' predicted and measured GPU-hours beside it. <paramref name="Teams"/> (private mode)
/// counts only the jobs of those teams' queues.
/// </summary>
public sealed record GetUsage(
    UsageGrouping By = UsageGrouping.Queue, BudgetPeriod Period = BudgetPeriod.Day, DateTimeOffset? From = null, DateTimeOffset? To = null,
    IReadOnlyList<string>? Teams = null) : IQuery<UsageReport>
{
    public const string Unknown = "(unknown)";
    public const string NoTeam = "(no team)";

    public static readonly TimeSpan DefaultWindow = TimeSpan.FromDays(30);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromDays(400);
}

public sealed record UsageReport(UsageGrouping By, BudgetPeriod Period, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<UsageRow> Rows);

/// <summary>
/// One group, period and GPU type: GPU-hours used in it, and the jobs that used them (predicted and measured GPU-hours are
/// those jobs' whole totals, for comparing the estimator with what ran).
/// </summary>
public sealed record UsageRow(string Group, DateTimeOffset PeriodStart, string GpuType, double GpuHours, int Jobs, double PredictedGpuHours, double MeasuredGpuHours);

internal sealed class GetUsageValidator : MessageValidator<GetUsage>
{
    public GetUsageValidator(IConfiguration configuration, TimeProvider clock)
    {
        var retention = AccountingRetention.FromConfiguration(configuration);
        RuleFor(m => m.From).Must(from => from is null || from >= clock.GetUtcNow() - retention)
            .WithMessage($"must be within the accounting retention of {retention.TotalDays} days (Scheduler:Accounting:Retention): older jobs are purged");
        RuleFor(m => m.By).IsInEnum().WithMessage("must be queue, user or team");
        RuleFor(m => m.Period).IsInEnum().WithMessage("must be day, week or month");
        RuleFor(m => m.To).Must((m, to) => m.From is null || to is null || m.From < to).WithMessage("must be after from");
        // The window's far ends: a `to` before the retention has nothing to show (and its default window would run past
        // year 1), and a `from` after now with `to` left at now would be a window that ends before it begins.
        RuleFor(m => m.To).Must(to => to is null || to > clock.GetUtcNow() - retention)
            .WithMessage($"must be within the accounting retention of {retention.TotalDays} days (Scheduler:Accounting:Retention): older jobs are purged");
        RuleFor(m => m.From).Must((m, from) => from is null || m.To is not null || from < clock.GetUtcNow())
            .WithMessage("must be in the past when to is absent (to is then now)");
        RuleFor(m => m.From).Must((m, from) => from is null || m.To is null || m.To - from <= GetUsage.MaxWindow)
            .WithMessage($"must be at most {GetUsage.MaxWindow.TotalDays} days before to");
    }
}

internal sealed class GetUsageHandler(SchedulerDbContext db, IClusterView cluster, TimeProvider clock) : IQueryHandler<GetUsage, UsageReport>
{
    public async ValueTask<UsageReport> Handle(GetUsage query, CancellationToken cancellationToken)
    {
        var now = clock.StoreNow();
        var to = query.To ?? now;
        var from = query.From ?? to - GetUsage.DefaultWindow;
        var usage = await JobUsage.LoadAsync(db, cluster, from, to, now, new UsageFilter(Teams: query.Teams), cancellationToken);

        var cells = new Dictionary<(string Group, DateTimeOffset Period, string GpuType), (double Hours, HashSet<Guid> Jobs)>();
        foreach (var job in usage)
        {
            var group = query.By switch
            {
                UsageGrouping.User => job.Job.SubmittedBy ?? GetUsage.Unknown,
                UsageGrouping.Team => job.Team ?? GetUsage.NoTeam,
                _ => job.Job.Queue,
            };
            foreach (var attempt in job.Attempts)
            {
                // Split at period boundaries so that a job running across midnight counts in both days.
                var start = attempt.Start > from ? attempt.Start : from;
                var end = attempt.End < to ? attempt.End : to;
                while (start < end)
                {
                    var periodStart = BudgetPeriods.Start(query.Period, start);
                    var periodEnd = BudgetPeriods.End(query.Period, start);
                    var stop = periodEnd < end ? periodEnd : end;
                    var key = (group, periodStart, job.GpuType);
                    var (hours, jobs) = cells.TryGetValue(key, out var existing) ? existing : (0.0, new HashSet<Guid>());
                    jobs.Add(job.Job.Id);
                    cells[key] = (hours + ((stop - start).TotalHours * job.Gpus), jobs);
                    start = stop;
                }
            }
        }

        var byId = usage.ToDictionary(u => u.Job.Id);
        var rows = cells.OrderBy(c => c.Key.Group, StringComparer.Ordinal).ThenBy(c => c.Key.Period).ThenBy(c => c.Key.GpuType, StringComparer.Ordinal)
            .Select(c => new UsageRow(c.Key.Group, c.Key.Period, c.Key.GpuType, c.Value.Hours, c.Value.Jobs.Count,
                c.Value.Jobs.Sum(id => byId[id].PredictedGpuHours ?? 0), c.Value.Jobs.Sum(id => byId[id].MeasuredGpuHours ?? 0)))
            .ToList();
        return new UsageReport(query.By, query.Period, from, to, rows);
    }
}
