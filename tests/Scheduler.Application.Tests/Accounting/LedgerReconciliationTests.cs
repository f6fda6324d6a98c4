using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Accounting;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Accounting;

/// <summary>
/// The budget ledger and accounting count the same thing: at the end of each job its settled charge equals the GPU-hours
/// accounting reports for it (placed time × GPUs over every attempt), through preemption, requeue, failure and cancellation.
/// </summary>
public sealed class LedgerReconciliationTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    private static readonly DateTimeOffset Monday = new(2026, 2, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Each_ended_jobs_settled_charge_equals_its_accounted_gpu_hours()
    {
        await fixture.SendAsync(new PutQueue("ledger", new QueueSpec
        {
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            GpuHourBudget = new GpuHourBudget { Period = BudgetPeriod.Month, GpuHours = 100_000, WhenExceeded = BudgetExceededAction.Reject },
        }));
        await using var host = await AccountingHost.StartAsync(fixture, Monday);
        var spec = (string name, int gpus) => JobSpecBuilder.AJob(name).InQueue("ledger").Gpus(gpus).Build();

        // Preempted after 50 min on 2 GPUs (10 min of grace held), requeued, placed again for 2 h, succeeded.
        var preempted = await host.SubmitAtAsync(Monday, spec("preempted", 2));
        await host.MoveAtAsync(preempted, Monday.AddMinutes(5), JobState.Admitted);
        await host.MoveAtAsync(preempted, Monday.AddMinutes(10), JobState.Running);
        await host.MoveAtAsync(preempted, Monday.AddMinutes(55), JobState.Preempted);
        await host.MoveAtAsync(preempted, Monday.AddMinutes(65), JobState.Queued);
        await host.MoveAtAsync(preempted, Monday.AddHours(2), JobState.Admitted, JobState.Running);
        await host.MoveAtAsync(preempted, Monday.AddHours(4), JobState.Succeeded);
        await AssertReconciledAsync(host, preempted, ((60.0 + 120) / 60) * 2);

        // Failed after 30 min on 4 GPUs.
        var failed = await host.SubmitAtAsync(Monday.AddHours(5), spec("failed", 4));
        await host.MoveAtAsync(failed, Monday.AddHours(5), JobState.Admitted, JobState.Running);
        await host.MoveAtAsync(failed, Monday.AddHours(5.5), JobState.Failed);
        await AssertReconciledAsync(host, failed, 0.5 * 4);

        // Cancelled while running after 3 h on 1 GPU; cancelled before placement: nothing.
        var cancelled = await host.SubmitAtAsync(Monday.AddHours(6), spec("cancelled", 1));
        await host.MoveAtAsync(cancelled, Monday.AddHours(6), JobState.Admitted, JobState.Running);
        await host.MoveAtAsync(cancelled, Monday.AddHours(9), JobState.Cancelled);
        await AssertReconciledAsync(host, cancelled, 3);
        var neverPlaced = await host.SubmitAtAsync(Monday.AddHours(10), spec("never-placed", 1));
        await host.MoveAtAsync(neverPlaced, Monday.AddHours(10.5), JobState.Cancelled);
        await AssertReconciledAsync(host, neverPlaced, 0);

        // The queue's budget use is the sum of the settled charges, and usage by queue adds up to the same figure.
        host.Clock.SetUtcNow(Monday.AddHours(11));
        var queue = (await host.QueryAsync(new GetQueue("ledger"))).Value!;
        var usage = await host.QueryAsync(new GetUsage(UsageGrouping.Queue, BudgetPeriod.Month, Monday.AddDays(-1), Monday.AddDays(1)));
        Assert.Equal(6 + 2 + 3, queue.Budget!.UsedGpuHours, 9);
        Assert.Equal(queue.Budget.UsedGpuHours, usage.Rows.Where(r => r.Group == "ledger").Sum(r => r.GpuHours), 9);
    }

    private async Task AssertReconciledAsync(AccountingHost host, Guid job, double expectedGpuHours)
    {
        var accounted = (await host.QueryAsync(new ListJobAccounting(Monday.AddDays(-1), Monday.AddDays(1), Queue: "ledger", Limit: ListJobAccounting.MaxLimit)))
            .Items.Single(r => r.Id == job);
        await using var db = fixture.NewDbContext();
        var charge = await db.BudgetCharges.AsNoTracking().SingleAsync(c => c.JobId == job, TestContext.Current.CancellationToken);

        Assert.NotNull(charge.SettledAt);
        Assert.Equal(expectedGpuHours, accounted.GpuHours, 9);
        Assert.Equal(accounted.GpuHours, charge.ActualGpuHours!.Value, 9);
        Assert.Equal(charge.ActualGpuHours, charge.GpuHours);
    }
}
