using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;
using Scheduler.Core.Placement;
using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;

namespace Scheduler.Core.Tests.Cycle;

public sealed class SchedulingCycleScenarioTests
{
    private static readonly (string, int, int?, int?) H100x16 = ("H100-SXM", 16, null, null);

    private static CycleResult Run(SnapshotBuilder builder, SchedulerOptions? options = null) => SchedulingCycle.Run(builder.Build(), options);

    private static Place PlaceOf(CycleResult result, string job) => Assert.Single(result.Placements, p => p.JobId == job);

    private static string ReasonOf(CycleResult result, string job) => Assert.Single(result.PendingJobs, p => p.JobId == job).Reason;

    [Fact]
    public void Places_a_job_only_on_nodes_of_an_acceptable_gpu_type()
    {
        var result = Run(new SnapshotBuilder()
            .Node("a100", "A100-80GB", 8).Node("h100", "H100-SXM", 8)
            .Queue("research", quotas: [("A100-80GB", 8, null, null), ("H100-SXM", 8, null, null)])
            .Pending(Jobs.Pending("j", "research", gpus: 4, type: "H100-SXM")));

        var place = PlaceOf(result, "j");
        Assert.Equal("H100-SXM", place.GpuType);
        Assert.Equal("h100", Assert.Single(place.Pods).Node);
        Assert.Equal(4, place.Pods[0].GpuIndices.Count);
    }

    [Fact]
    public void Tries_gpu_type_alternatives_in_order_of_preference()
    {
        var result = Run(new SnapshotBuilder()
            .Node("a100", "A100-80GB", 8).Node("h100", "H100-SXM", 8)
            .Queue("research", quotas: [("A100-80GB", 8, null, null), ("H100-SXM", 0, null, null)])
            .Pending(Jobs.Pending("j", "research", gpus: 8, type: "H100-SXM|A100-80GB")));

        Assert.Equal("A100-80GB", PlaceOf(result, "j").GpuType);
    }

    [Fact]
    public void Places_a_gang_all_or_nothing()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n1", "H100-SXM", 8).Node("n2", "H100-SXM", 8)
            .Running("busy", "research", 1000, [("n2", [0, 1, 2, 3])])
            .Queue("research", quotas: [("H100-SXM", 32, null, null)])
            .Pending(Jobs.Pending("gang", "research", gpus: 8, pods: 2, type: "H100-SXM")));

        Assert.Empty(result.Placements);
        Assert.Equal("no room for 2 pod(s) × 8 GPU(s) (1 CPU, 1 GiB per pod): at most 8 whole H100-SXM GPUs free on one node, 12 in all", ReasonOf(result, "gang"));
    }

    [Fact]
    public void Packs_a_multi_node_job_into_the_fewest_nodes()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Running("partial", "research", 1000, [("node-0", [0, 1, 2, 3, 4, 5])])
            .Queue("research", quotas: [("H100-SXM", 64, null, null)])
            .Pending(Jobs.Pending("job", "research", gpus: 2, pods: 4, type: "H100-SXM")), new SchedulerOptions { Policy = PlacementPolicy.BestFit });

        var nodes = PlaceOf(result, "job").Pods.Select(p => p.Node).Distinct().ToArray();
        Assert.Single(nodes);
    }

    [Fact]
    public void Keeps_a_multi_node_job_within_one_topology_domain()
    {
        var racks = new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8, labels: i => new Dictionary<string, string> { ["rack"] = i < 2 ? "r1" : "r2" })
            .Running("r1-busy", "research", 1000, [("node-0", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Queue("research", quotas: [("H100-SXM", 64, null, null)])
            .Pending(Jobs.Pending("job", "research", gpus: 8, pods: 2, type: "H100-SXM", topology: "rack"));

        var nodes = PlaceOf(Run(racks), "job").Pods.Select(p => p.Node).Order().ToArray();
        Assert.Equal(["node-2", "node-3"], nodes);
    }

    [Fact]
    public void Shares_one_gpu_between_fractional_jobs()
    {
        var result = Run(new SnapshotBuilder()
            .Node("t4", "T4", 2)
            .Queue("inference", quotas: [("T4", 2, null, null)])
            .Pending(Jobs.Pending("a", "inference", milli: 500))
            .Pending(Jobs.Pending("b", "inference", milli: 400, age: TimeSpan.FromMinutes(30))), new SchedulerOptions { Policy = PlacementPolicy.BestFit });

        var a = Assert.Single(PlaceOf(result, "a").Pods);
        var b = Assert.Single(PlaceOf(result, "b").Pods);
        Assert.Equal(a.GpuIndices, b.GpuIndices);
        Assert.Equal(500, a.GpuMilli);
        Assert.Equal(400, b.GpuMilli);
    }

    [Fact]
    public void Skips_cordoned_and_untolerated_tainted_nodes()
    {
        var result = Run(new SnapshotBuilder()
            .Node("cordoned", "H100-SXM", 8, unschedulable: true)
            .Node("tainted", "H100-SXM", 8, taints: [new Taint("dedicated", "infra")])
            .Node("open", "H100-SXM", 8)
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("j", "research", gpus: 8)));

        Assert.Equal("open", Assert.Single(PlaceOf(result, "j").Pods).Node);
    }

    [Fact]
    public void Places_a_job_on_a_tainted_gpu_node_whose_taint_it_tolerates()
    {
        var result = Run(new SnapshotBuilder()
            .Node("gpu", "H100-SXM", 8, taints: [new Taint("nvidia.com/gpu", "present")])
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("j", "research", gpus: 8) with { Tolerations = [new Toleration("nvidia.com/gpu", Effect: "NoSchedule")] }));

        Assert.Equal("gpu", Assert.Single(PlaceOf(result, "j").Pods).Node);
    }

    [Theory]
    [InlineData("NoExecute")]
    [InlineData("PreferNoSchedule")]
    public void A_toleration_of_one_effect_does_not_tolerate_another_blocking_one(string tolerated)
    {
        var result = Run(new SnapshotBuilder()
            .Node("gpu", "H100-SXM", 8, taints: [new Taint("nvidia.com/gpu", "present")])
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("j", "research", gpus: 8) with { Tolerations = [new Toleration("nvidia.com/gpu", Effect: tolerated)] }));

        Assert.Empty(result.Placements);
    }

    [Fact]
    public void Pending_reason_counts_only_free_gpus_on_nodes_whose_taints_the_job_tolerates()
    {
        var builder = new SnapshotBuilder()
            .Node("infra", "H100-SXM", 8, taints: [new Taint("dedicated", "infra")])
            .Node("gpu", "H100-SXM", 8, taints: [new Taint("nvidia.com/gpu", "present")])
            .Running("busy", "research", 1000, [("gpu", [0, 1, 2, 3, 4])])
            .Queue("research", quotas: [("H100-SXM", 32, null, null)]);
        var tolerating = Jobs.Pending("tolerating", "research", gpus: 4) with { Tolerations = [new Toleration("nvidia.com/gpu")] };
        var untolerating = Jobs.Pending("untolerating", "research", gpus: 4);

        var result = Run(builder.Pending(tolerating).Pending(untolerating));

        // 8 free on the infra node and 3 on the GPU node, but only the GPU node's 3 are open to a job tolerating nvidia.com/gpu.
        Assert.Equal(
            "no room for 1 pod(s) × 4 GPU(s) (1 CPU, 1 GiB per pod): at most 3 whole H100-SXM GPUs free on one node, 3 in all, 8 free on nodes whose taints it does not tolerate",
            ReasonOf(result, "tolerating"));
        Assert.Equal(
            "no room for 1 pod(s) × 4 GPU(s) (1 CPU, 1 GiB per pod): at most 0 whole H100-SXM GPUs free on one node, 0 in all, 11 free on nodes whose taints it does not tolerate, 1 job ahead",
            ReasonOf(result, "untolerating"));
    }

    [Fact]
    public void Honours_node_cpu_and_memory()
    {
        var result = Run(new SnapshotBuilder()
            .Node("small", "H100-SXM", 8, cpu: 4000).Node("big", "H100-SXM", 8, cpu: 96_000)
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("j", "research", gpus: 1, cpu: 8000)));

        Assert.Equal("big", Assert.Single(PlaceOf(result, "j").Pods).Node);
    }

    [Fact]
    public void Explains_a_job_held_at_its_queue_quota_with_the_cohort_and_the_jobs_ahead()
    {
        var builder = new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Running("r1", "research", 1000, [("node-0", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Running("r2", "research", 1000, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Running("v", "vision", 1000, [("node-2", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 16, null, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 8, null, 0)]);
        for (var i = 0; i < 4; i++)
        {
            builder.Pending(Jobs.Pending($"q{i}", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(10 - i)));
        }

        var result = Run(builder);

        Assert.Empty(result.Placements);
        Assert.Equal("queue research at its H100-SXM quota (16/16), cohort ml has 0 to lend, 3 jobs ahead", ReasonOf(result, "q3"));
        Assert.StartsWith("queue research at its H100-SXM quota (16/16), cohort ml has 0 to lend", ReasonOf(result, "q0"));
    }

    [Fact]
    public void Borrows_unused_quota_from_the_cohort_up_to_the_borrowing_limit()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 8, 8, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 24, null, null)])
            .Pending(Jobs.Pending("a", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(3)))
            .Pending(Jobs.Pending("b", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("c", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(1))));

        Assert.Equal(["a", "b"], result.Placements.Select(p => p.JobId).Order());
        Assert.StartsWith("queue research at its H100-SXM borrowing limit (16/8 + 8)", ReasonOf(result, "c"));
    }

    [Fact]
    public void A_queue_keeps_what_its_lending_limit_does_not_lend()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 8, null, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 24, null, 8)])
            .Pending(Jobs.Pending("a", "research", gpus: 16, pods: 1, type: "H100-SXM", age: TimeSpan.FromHours(3)) with { GpusPerPod = 8, Pods = 2 })
            .Pending(Jobs.Pending("b", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(1))));

        Assert.Equal(["a"], result.Placements.Select(p => p.JobId));
        Assert.Contains("cohort ml has 0 to lend", ReasonOf(result, "b"));
    }

    [Fact]
    public void Orders_by_priority_then_fair_share_then_age()
    {
        // One free GPU: who gets it?
        SnapshotBuilder Cluster() => new SnapshotBuilder()
            .Node("n", "H100-SXM", 2)
            .Running("heavy", "busy", 1000, [("n", [0])])
            .Queue("busy", quotas: [H100x16])
            .Queue("idle", quotas: [H100x16]);

        var byPriority = Run(Cluster()
            .Pending(Jobs.Pending("old-normal", "idle", age: TimeSpan.FromHours(5)))
            .Pending(Jobs.Pending("new-high", "busy", priority: 10_000, age: TimeSpan.FromMinutes(1))));
        Assert.Equal("new-high", Assert.Single(byPriority.Placements).JobId);

        var byShare = Run(Cluster()
            .Pending(Jobs.Pending("busy-older", "busy", age: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("idle-newer", "idle", age: TimeSpan.FromHours(1))));
        Assert.Equal("idle-newer", Assert.Single(byShare.Placements).JobId);

        var byAge = Run(Cluster()
            .Pending(Jobs.Pending("busy-much-older", "busy", age: TimeSpan.FromHours(48)))
            .Pending(Jobs.Pending("idle-newer", "idle", age: TimeSpan.FromHours(1))));
        Assert.Equal("busy-much-older", Assert.Single(byAge.Placements).JobId);
    }

    [Fact]
    public void Decayed_usage_lowers_a_queues_turn()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n", "H100-SXM", 1)
            .Queue("heavy", usageGpuHours: 500, quotas: [H100x16])
            .Queue("light", usageGpuHours: 10, quotas: [H100x16])
            .Pending(Jobs.Pending("h", "heavy", age: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("l", "light", age: TimeSpan.FromHours(1))));

        Assert.Equal("l", Assert.Single(result.Placements).JobId);
    }

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

    [Fact]
    public void Reserves_for_the_blocked_head_and_backfills_only_jobs_that_end_before_it()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("ends-soon", "research", 1000, [("node-0", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(1))
            .Running("ends-late", "research", 1000, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])], endsIn: TimeSpan.FromHours(10))
            .Queue("research", quotas: [("H100-SXM", 64, null, null)])
            .Pending(Jobs.Pending("big", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(5)))
            .Pending(Jobs.Pending("long", "research", gpus: 4, type: "H100-SXM", age: TimeSpan.FromHours(4), runtime: TimeSpan.FromHours(3)))
            .Pending(Jobs.Pending("short", "research", gpus: 4, type: "H100-SXM", age: TimeSpan.FromHours(3), runtime: TimeSpan.FromMinutes(30))),
            new SchedulerOptions { Preemption = false });

        var reserve = Assert.Single(result.Reservations);
        Assert.Equal("big", reserve.JobId);
        Assert.Equal(SnapshotBuilder.T0.AddHours(1), reserve.At);
        Assert.Equal(["node-0"], reserve.Nodes);
        Assert.Equal("short", Assert.Single(result.Placements).JobId);
        Assert.StartsWith("fits only on nodes held by a backfill reservation", ReasonOf(result, "long"));
    }

    /// <summary>
    /// The reservation for <c>big</c> (8 H100s at T0 + 1 h on node-0) needs 8 GPUs of quota then; <c>candidate</c> (4 GPUs) fits on
    /// node-1 now, so only quota decides whether it may start: it may when it ends before the reservation or draws on other quota.
    /// </summary>
    public static TheoryData<string, string, string, int, bool> BackfillQuotaCases() => new()
    {
        // case, quota setup, candidate's queue, candidate's runtime (minutes), placed?
        { "a long job of the reserved queue would take its quota", "alone", "research", 180, false },
        { "a short job of the reserved queue ends before the reservation", "alone", "research", 30, true },
        { "a long job of the reserved queue fits beside the reservation", "roomy", "research", 180, true },
        { "a long job without a prediction of the reserved queue", "alone", "research", 0, false },
        { "a long job borrowing from the cohort the reservation borrows from", "cohort", "vision", 180, false },
        { "a short job borrowing from that cohort ends before the reservation", "cohort", "vision", 30, true },
        { "a long job of a queue that shares no quota with the reservation", "alone", "other", 180, true },
    };

    [Theory]
    [MemberData(nameof(BackfillQuotaCases))]
    public void Backfill_never_takes_quota_the_reserved_job_needs_at_its_reservation(string @case, string quotas, string queue, int runtimeMinutes, bool placed)
    {
        var builder = new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("ends-soon", "other", 1000, [("node-0", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(1))
            .Running("ends-late", "other", 1000, [("node-1", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(10))
            .Queue("other", quotas: [H100x16]);
        _ = quotas switch
        {
            "alone" => builder.Queue("research", quotas: [("H100-SXM", 8, null, null)]).Queue("vision", quotas: [("H100-SXM", 4, null, null)]),
            "roomy" => builder.Queue("research", quotas: [("H100-SXM", 12, null, null)]).Queue("vision", quotas: [("H100-SXM", 4, null, null)]),
            // research keeps nothing for itself (it lends all 4) and needs all 8 of the cohort's pool for big.
            _ => builder.Queue("research", cohort: "ml", quotas: [("H100-SXM", 4, null, null)]).Queue("vision", cohort: "ml", quotas: [("H100-SXM", 4, null, null)]),
        };
        builder
            .Pending(Jobs.Pending("big", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(5), runtime: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("candidate", queue, gpus: 4, type: "H100-SXM", age: TimeSpan.FromHours(4),
                runtime: runtimeMinutes == 0 ? null : TimeSpan.FromMinutes(runtimeMinutes)));

        var result = Run(builder);

        var reserve = Assert.Single(result.Reservations);
        Assert.Equal("big", reserve.JobId);
        Assert.Equal(SnapshotBuilder.T0.AddHours(1), reserve.At);
        Assert.Empty(result.Preemptions);
        Assert.True(placed == result.Placements.Any(p => p.JobId == "candidate"), @case);
        if (!placed)
        {
            Assert.StartsWith("fits only in H100-SXM quota that a backfill reservation holds for higher-ranked job big, which it would delay", ReasonOf(result, "candidate"));
        }
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

    [Fact]
    public void Explains_unknown_queues_and_gpu_types()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n", "H100-SXM", 8)
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("lost", "nowhere"))
            .Pending(Jobs.Pending("exotic", "research", type: "TPU-v5")));

        Assert.Equal("queue nowhere does not exist", ReasonOf(result, "lost"));
        Assert.Equal("no node or quota has GPU type TPU-v5", ReasonOf(result, "exotic"));
    }

    [Fact]
    public void Places_cpu_only_jobs_without_charging_gpu_quota()
    {
        var result = Run(new SnapshotBuilder()
            .Node("cpu", null, 0).Node("gpu", "T4", 1)
            .Queue("etl")
            .Pending(Jobs.Pending("etl", "etl", gpus: 0, cpu: 4000)));

        var place = PlaceOf(result, "etl");
        Assert.Null(place.GpuType);
        Assert.Empty(place.Pods[0].GpuIndices);
    }

    [Fact]
    public void Leaves_a_job_with_an_impossible_shape_pending_with_the_reason()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n", "H100-SXM", 8)
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("empty", "research", pods: 0)));

        Assert.Empty(result.Placements);
        Assert.StartsWith("invalid shape: 0 pod(s)", ReasonOf(result, "empty"));
    }

    [Theory]
    [InlineData(PlacementPolicy.BestFit, "tight")]
    [InlineData(PlacementPolicy.GpuPacking, "tight")]
    [InlineData(PlacementPolicy.FragmentationAware, "tight")]
    public void Policies_prefer_the_node_the_job_fits_most_tightly(PlacementPolicy policy, string expected)
    {
        var result = Run(new SnapshotBuilder()
            .Node("tight", "T4", 2).Node("roomy", "T4", 8)
            .Running("half", "inference", 1000, [("tight", [0])])
            .Queue("inference", quotas: [("T4", 16, null, null)])
            .Shapes(new WorkloadShape(8, 1000, 1000, 1024, 1), new WorkloadShape(1, 1000, 1000, 1024, 1))
            .Pending(Jobs.Pending("one", "inference")), new SchedulerOptions { Policy = policy });

        Assert.Equal(expected, Assert.Single(PlaceOf(result, "one").Pods).Node);
    }

    [Fact]
    public void Random_policy_spreads_over_feasible_nodes_and_is_reproducible_for_a_seed()
    {
        SnapshotBuilder Cluster() => new SnapshotBuilder().Nodes(8, "T4", 1).Queue("q", quotas: [("T4", 8, null, null)]).Pending(Jobs.Pending("j", "q"));
        var nodes = Enumerable.Range(1, 40).Select(seed => PlaceOf(Run(Cluster(), new SchedulerOptions { Policy = PlacementPolicy.Random, Seed = (ulong)seed }), "j").Pods[0].Node).ToList();

        Assert.True(nodes.Distinct().Count() > 3);
        Assert.Equal(nodes[0], PlaceOf(Run(Cluster(), new SchedulerOptions { Policy = PlacementPolicy.Random, Seed = 1 }), "j").Pods[0].Node);
    }
}
