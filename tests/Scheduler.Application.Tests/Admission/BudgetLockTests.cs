using Scheduler.Application.Admission;
using Scheduler.Application.Common;

namespace Scheduler.Application.Tests.Admission;

public sealed class BudgetLockTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    [Fact]
    public async Task A_replica_frozen_while_holding_a_queues_budget_lock_holds_it_only_until_postgresql_ends_its_session()
    {
        await using var frozen = fixture.NewDbContext();
        var held = await BudgetLock.BeginAsync(frozen, "research", Ct);
        var frozenAt = System.Diagnostics.Stopwatch.GetTimestamp();

        // The frozen replica sends nothing more; another replica's budgeted submission waits for the lock.
        await using var other = fixture.NewDbContext();
        await using var next = await BudgetLock.BeginAsync(other, "research", Ct).WaitAsync(TimeSpan.FromSeconds(25), Ct);

        Assert.True(System.Diagnostics.Stopwatch.GetElapsedTime(frozenAt) >= StalledTransactions.Timeout - TimeSpan.FromSeconds(1));
        await Assert.ThrowsAnyAsync<Exception>(() => held.CommitAsync(Ct));
        await next.CommitAsync(Ct);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
