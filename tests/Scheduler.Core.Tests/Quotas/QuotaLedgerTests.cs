using Scheduler.Core.Quotas;
using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Tests.Quotas;

public sealed class QuotaLedgerTests
{
    private static readonly string[] Types = ["H100-SXM"];

    private static QueueInfo Queue(string name, int nominal, string? cohort = null, int? borrow = null, int? lend = null) => new()
    {
        Name = name,
        Cohort = cohort,
        NominalQuota = new Dictionary<string, int> { ["H100-SXM"] = nominal },
        BorrowingLimit = borrow is { } b ? new Dictionary<string, int> { ["H100-SXM"] = b } : new Dictionary<string, int>(),
        LendingLimit = lend is { } l ? new Dictionary<string, int> { ["H100-SXM"] = l } : new Dictionary<string, int>(),
    };

    [Fact]
    public void A_queue_without_a_cohort_uses_at_most_its_nominal_quota()
    {
        var ledger = new QuotaLedger([Queue("a", nominal: 4)], Types);
        ledger.Add(0, 0, 3_000);

        Assert.Equal(QuotaVerdict.Fits, ledger.Check(0, 0, 1_000));
        Assert.Equal(QuotaVerdict.OverNominal, ledger.Check(0, 0, 1_001));
    }

    [Fact]
    public void A_cohort_member_borrows_what_the_others_lend_up_to_its_borrowing_limit()
    {
        var ledger = new QuotaLedger([Queue("a", 4, "ml", borrow: 2), Queue("b", 4, "ml")], Types);
        ledger.Add(0, 0, 4_000);

        Assert.Equal(QuotaVerdict.Fits, ledger.Check(0, 0, 2_000));
        Assert.Equal(QuotaVerdict.OverBorrowingLimit, ledger.Check(0, 0, 2_001));
        Assert.False(ledger.IsBorrowing(0, 0));

        ledger.Add(0, 0, 1_000);
        Assert.True(ledger.IsBorrowing(0, 0));
        Assert.Equal(3_000, ledger.CohortAvailable(1, 0));
    }

    [Fact]
    public void A_queue_keeps_what_its_lending_limit_does_not_lend()
    {
        // b lends only 1 of its 4: a can borrow 1, and the cohort pool is spent.
        var ledger = new QuotaLedger([Queue("a", 0, "ml"), Queue("b", 4, "ml", lend: 1)], Types);

        Assert.Equal(QuotaVerdict.Fits, ledger.Check(0, 0, 1_000));
        Assert.Equal(QuotaVerdict.CohortExhausted, ledger.Check(0, 0, 2_000));
    }

    [Fact]
    public void A_hold_binds_only_jobs_that_run_past_its_start()
    {
        var ledger = new QuotaLedger([Queue("a", nominal: 8)], Types);
        ledger.Add(0, 0, 2_000);
        ledger.Hold("big", 0, 0, 6_000, atTicks: 100);

        Assert.Equal(QuotaVerdict.Fits, ledger.Check(0, 0, 4_000, endTicks: 100));
        Assert.Equal(QuotaVerdict.HeldForReservation, ledger.Check(0, 0, 4_000, endTicks: 101));
        Assert.Equal("big", ledger.FirstOverrunHolder(0, 0, endTicks: 101));
        Assert.Equal(2_000, ledger.Usage(0, 0));
    }
}
