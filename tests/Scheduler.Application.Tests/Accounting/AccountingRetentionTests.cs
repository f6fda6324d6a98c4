using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Quartz;
using Scheduler.Application.Accounting;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Accounting;

/// <summary>
/// Retention (Scheduler:Accounting:Retention): the daily purge drops only jobs that ended before every period a report
/// may still show, and reports cannot reach past the retention.
/// </summary>
public sealed class AccountingRetentionTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    // A Wednesday; 40 days earlier is Friday 2026-01-23, in the ISO week from Monday 2026-01-19 and the month from 2026-01-01.
    private static readonly DateTimeOffset Now = new(2026, 3, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Retention = TimeSpan.FromDays(40);
    private static readonly DateTimeOffset MonthReported = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_horizon_is_the_earliest_period_start_around_now_minus_retention()
    {
        // Friday 2026-01-23: its month (from 01-01) starts before its week (from 01-19).
        Assert.Equal(MonthReported, AccountingRetention.Horizon(Now, Retention));
        // Sunday 2026-03-01: its ISO week started on Monday 2026-02-23, before its month.
        Assert.Equal(new DateTimeOffset(2026, 2, 23, 0, 0, 0, TimeSpan.Zero), AccountingRetention.Horizon(new DateTimeOffset(2026, 4, 10, 0, 0, 0, TimeSpan.Zero), Retention));
    }

    [Fact]
    public async Task The_daily_purge_keeps_every_job_of_a_reported_period_and_drops_older_ended_rest_jobs()
    {
        var ct = TestContext.Current.CancellationToken;
        await fixture.EnsureQueueAsync("retention");
        await using var host = await AccountingHost.StartAsync(fixture, MonthReported.AddDays(-90),
            new Dictionary<string, string> { [AccountingRetention.Setting] = "40.00:00:00" });
        var running = await host.SubmitAtAsync(MonthReported.AddDays(-60), JobSpecBuilder.AJob("still-running").InQueue("retention").Build());
        await host.MoveAtAsync(running, MonthReported.AddDays(-60), JobState.Admitted, JobState.Running);
        var resource = await host.SubmitAtAsync(MonthReported.AddDays(-60), JobSpecBuilder.AJob("from-a-trainingjob").InQueue("retention").Build(),
            new JobOrigin("team-a", "from-a-trainingjob", Guid.NewGuid().ToString(), 1));
        await host.MoveAtAsync(resource, MonthReported.AddDays(-59), JobState.Cancelled);
        var old = await RunAsync(host, "ended-in-december", MonthReported.AddDays(-2), MonthReported.AddHours(-1));
        var reported = await RunAsync(host, "ended-in-reported-month", MonthReported.AddHours(1), MonthReported.AddDays(1));
        var crossing = await RunAsync(host, "ran-across-the-retention", MonthReported.AddDays(19), MonthReported.AddDays(24));
        host.Clock.SetUtcNow(Now);

        var scheduler = await host.Host.Services.GetRequiredService<ISchedulerFactory>().GetScheduler(ct);
        await scheduler.TriggerJob(AccountingRetentionJob.Key, ct);
        await WaitUntilAsync(async () => !await ExistsAsync(old), ct);

        Assert.True(await ExistsAsync(reported));
        Assert.True(await ExistsAsync(crossing));
        Assert.True(await ExistsAsync(running));
        Assert.True(await ExistsAsync(resource));
        await using (var db = fixture.NewDbContext())
        {
            Assert.False(await db.JobEvents.AnyAsync(e => e.JobId == old, ct), "the purged job's events go with it");
            Assert.False(await db.BudgetCharges.AnyAsync(c => c.JobId == old, ct));
        }

        // The oldest report allowed (from now − retention, 01-23 12:00) is whole: the job placed 01-20 and ended 01-25
        // counts its 36 h after that instant, and the still-running job its 40 days, on 1 GPU each.
        var usage = await host.QueryAsync(new GetUsage(UsageGrouping.Queue, BudgetPeriod.Month, Now - Retention, Now));
        Assert.Equal(36 + (40 * 24), usage.Rows.Sum(r => r.GpuHours), 6);
    }

    [Fact]
    public async Task A_report_reaching_past_the_retention_is_refused_naming_from()
    {
        await using var host = await AccountingHost.StartAsync(fixture, Now, new Dictionary<string, string> { [AccountingRetention.Setting] = "40.00:00:00" });

        var usage = await Assert.ThrowsAsync<RequestValidationException>(() => host.QueryAsync(new GetUsage(From: Now.AddDays(-41), To: Now)));
        var history = await Assert.ThrowsAsync<RequestValidationException>(() => host.QueryAsync(new ListJobAccounting(From: Now.AddDays(-41))));
        var within = await host.QueryAsync(new GetUsage(From: Now.AddDays(-39), To: Now));

        Assert.Contains("retention of 40 days", Assert.Single(usage.ErrorsByField()["from"]), StringComparison.Ordinal);
        Assert.Contains("retention of 40 days", Assert.Single(history.ErrorsByField()["from"]), StringComparison.Ordinal);
        Assert.Equal(Now.AddDays(-39), within.From);
    }

    private static async Task<Guid> RunAsync(AccountingHost host, string name, DateTimeOffset placed, DateTimeOffset ended)
    {
        var job = await host.SubmitAtAsync(placed, JobSpecBuilder.AJob(name).InQueue("retention").Build());
        await host.MoveAtAsync(job, placed, JobState.Admitted, JobState.Running);
        await host.MoveAtAsync(job, ended, JobState.Succeeded);
        return job;
    }

    private async Task<bool> ExistsAsync(Guid job)
    {
        await using var db = fixture.NewDbContext();
        return await db.Jobs.AnyAsync(j => j.Id == job);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        for (var waited = TimeSpan.Zero; !await condition(); waited += TimeSpan.FromMilliseconds(100))
        {
            Assert.True(waited < TimeSpan.FromSeconds(30), "the retention job did not run within 30 s");
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }
}
