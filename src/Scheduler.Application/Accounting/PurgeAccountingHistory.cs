using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Persistence;

namespace Scheduler.Application.Accounting;

/// <summary>
/// Retention of accounting history (<c>Scheduler:Accounting:Retention</c>, default 400 days): deletes REST jobs that ended
/// before the <see cref="AccountingRetention.Horizon"/> with everything stored under them (events, estimate, measurement,
/// telemetry, budget charge, calibration samples). Jobs of TrainingJobs stay while their resource exists: the resource,
/// not this clock, decides their lifetime.
/// </summary>
public sealed record PurgeAccountingHistory : ICommand<AccountingPurge>;

public sealed record AccountingPurge(DateTimeOffset Horizon, int Jobs);

/// <summary>
/// How far back accounting keeps and reports. Reports may start at <c>now − retention</c>; the purge keeps every job that
/// ended at or after the start of the day, ISO week and month containing that instant, so no period a report can still
/// show (or a budget period still counting) loses a job.
/// </summary>
public static class AccountingRetention
{
    public const string Setting = "Scheduler:Accounting:Retention";
    public static readonly TimeSpan Default = TimeSpan.FromDays(400);

    /// <summary>Shorter would reach into the current budget month.</summary>
    public static readonly TimeSpan Minimum = TimeSpan.FromDays(35);

    public static TimeSpan FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var retention = configuration.GetValue<TimeSpan?>(Setting) ?? Default;
        return retention >= Minimum ? retention
            : throw new InvalidOperationException($"{Setting} is {retention}: it must be at least {Minimum.TotalDays} days (a budget month and its reports).");
    }

    /// <summary>The earliest instant whose jobs the purge keeps: the earliest start of a period containing <c>now − retention</c>.</summary>
    public static DateTimeOffset Horizon(DateTimeOffset now, TimeSpan retention)
    {
        var oldestReported = now - retention;
        var week = BudgetPeriods.Start(BudgetPeriod.Week, oldestReported);
        var month = BudgetPeriods.Start(BudgetPeriod.Month, oldestReported);
        return week < month ? week : month;
    }
}

internal sealed class PurgeAccountingHistoryHandler(SchedulerDbContext db, IConfiguration configuration, TimeProvider clock)
    : ICommandHandler<PurgeAccountingHistory, AccountingPurge>
{
    public async ValueTask<AccountingPurge> Handle(PurgeAccountingHistory command, CancellationToken cancellationToken)
    {
        var horizon = AccountingRetention.Horizon(clock.StoreNow(), AccountingRetention.FromConfiguration(configuration));
        // An ended job's updated_at is when it ended, so every attempt of a job deleted here ended before the horizon.
        // Dependent rows go with it (ON DELETE CASCADE).
        var deleted = await db.Jobs
            .Where(j => (j.State == JobState.Succeeded || j.State == JobState.Failed || j.State == JobState.Cancelled) && j.UpdatedAt < horizon && j.Origin == null)
            .ExecuteDeleteAsync(cancellationToken);
        return new AccountingPurge(horizon, deleted);
    }
}
