using Scheduler.Core.Decisions;
using Scheduler.Core.Tests.Builders;

namespace Scheduler.Core.Tests.Decisions;

public sealed class CycleResultTests
{
    [Fact]
    public void Sorts_decisions_by_kind_keeping_their_order()
    {
        var result = new CycleResult(
        [
            new Pending("p1", "waiting"),
            new Place("a", "H100-SXM", [new PodPlacement(0, "n", [0], 1000)]),
            new Preempt("victim", "b", PreemptionReason.HigherPriorityInQueue, "for b"),
            new Reserve("c", SnapshotBuilder.T0, ["n"]),
            new Place("d", null, [new PodPlacement(0, "n", [], 0)]),
            new Pending("b", "waiting for preempted jobs to stop"),
        ]);

        Assert.Equal(["a", "d"], result.Placements.Select(p => p.JobId));
        Assert.Equal(["victim"], result.Preemptions.Select(p => p.JobId));
        Assert.Equal(["c"], result.Reservations.Select(r => r.JobId));
        Assert.Equal(["p1", "b"], result.PendingJobs.Select(p => p.JobId));
    }

    [Theory]
    [InlineData(0, "queue full")]
    [InlineData(1, "queue full, 1 job ahead")]
    [InlineData(3, "queue full, 3 jobs ahead")]
    public void A_pending_reason_counts_the_jobs_ahead(int ahead, string reason)
    {
        Assert.Equal(reason, new Pending("j", "queue full", ahead).Reason);
    }
}
