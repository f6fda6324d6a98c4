using Scheduler.Core.Decisions;
using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Preemption;

/// <summary>Preemption through whole cycles: within a queue for priority, reclaiming lent quota, and when not to preempt.</summary>
public sealed class PreemptionScenarioTests
{
    [Fact]
    public void Preempts_the_lowest_priority_job_with_the_least_work_lost_when_quota_is_exhausted()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("low-fresh-checkpoint", "research", 100, [("node-0", [0, 1, 2, 3, 4, 5, 6, 7])], sinceCheckpoint: TimeSpan.FromMinutes(5))
            .Running("low-stale-checkpoint", "research", 100, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])], sinceCheckpoint: TimeSpan.FromHours(3))
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("urgent", "research", gpus: 8, priority: 10_000, type: "H100-SXM")));

        var preempt = Assert.Single(result.Preemptions);
        Assert.Equal("low-fresh-checkpoint", preempt.JobId);
        Assert.Equal("urgent", preempt.ForJobId);
        Assert.Equal(PreemptionReason.HigherPriorityInQueue, preempt.Reason);
        Assert.StartsWith("waiting for preempted jobs to stop (low-fresh-checkpoint)", ReasonOf(result, "urgent"));
        Assert.Empty(result.Placements);
    }

    [Fact]
    public void Never_preempts_when_the_preemptor_would_still_not_fit()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("low", "research", 100, [("node-0", [0, 1, 2, 3])])
            .Running("peer", "research", 10_000, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("urgent", "research", gpus: 8, pods: 2, priority: 10_000, type: "H100-SXM")));

        Assert.Empty(result.Preemptions);
        Assert.Empty(result.Placements);
    }

    [Fact]
    public void Does_not_preempt_equal_priority_work_in_the_same_queue()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n", "H100-SXM", 8)
            .Running("same", "research", 1000, [("n", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("j", "research", gpus: 8, type: "H100-SXM")));

        Assert.Empty(result.Preemptions);
    }

    [Fact]
    public void Reclaims_lent_quota_from_a_borrowing_queue_in_the_cohort()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("borrower-1", "research", 10_000, [("node-0", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Running("borrower-2", "research", 10_000, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 8, null, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 8, null, null)])
            .Pending(Jobs.Pending("owner", "vision", gpus: 8, priority: 100, type: "H100-SXM")));

        var preempt = Assert.Single(result.Preemptions);
        Assert.Equal(PreemptionReason.ReclaimLentQuota, preempt.Reason);
        Assert.Equal("owner", preempt.ForJobId);
    }

    [Fact]
    public void Does_not_reclaim_from_a_job_just_re_placed_after_a_preemption()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("borrower", "research", 1000, [("node-0", [0, 1, 2, 3, 4, 5, 6, 7])],
                lastPreempted: SnapshotBuilder.T0.AddMinutes(-20), startedAgo: TimeSpan.FromMinutes(2))
            .Running("own", "research", 1000, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 8, null, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 8, null, null)])
            .Pending(Jobs.Pending("owner", "vision", gpus: 8, type: "H100-SXM")));

        Assert.Single(result.Preemptions, p => p.JobId == "own");
    }

    [Theory]
    [InlineData(180, false)]
    [InlineData(0, false)]
    [InlineData(30, true)]
    public void A_job_running_past_a_reservation_does_not_preempt_to_take_the_quota_it_holds(int runtimeMinutes, bool placed)
    {
        // research (11 H100s) uses 2 (low); big (8) is reserved for T0 + 1 h on node-0; candidate (4) fits now only on node-0, or on
        // node-1 once low is preempted, leaving 0 + 4 + 8 = 12 > 11 for big: a long candidate may not; a short one backfills node-0.
        var result = Run(new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("ends-soon", "other", 1000, [("node-0", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(1))
            .Running("ends-late", "other", 1000, [("node-1", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(10))
            .Running("low", "research", 100, [("node-1", [4, 5])], endsIn: TimeSpan.FromHours(10))
            .Queue("other", quotas: [H100x16])
            .Queue("research", quotas: [("H100-SXM", 11, null, null)])
            .Pending(Jobs.Pending("big", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(5), runtime: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("candidate", "research", gpus: 4, type: "H100-SXM", age: TimeSpan.FromHours(4),
                runtime: runtimeMinutes == 0 ? null : TimeSpan.FromMinutes(runtimeMinutes))));

        Assert.Equal("big", Assert.Single(result.Reservations).JobId);
        Assert.Empty(result.Preemptions);
        Assert.Equal(placed, result.Placements.Any(p => p.JobId == "candidate"));
    }
}
