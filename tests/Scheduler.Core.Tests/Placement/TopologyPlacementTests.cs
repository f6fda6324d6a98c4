using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;
using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;
using Scheduler.Domain.Specs;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Placement;

/// <summary>Topology levels through whole cycles: required and preferred domains, domain-level packing, pending reasons.</summary>
public sealed class TopologyPlacementTests
{
    private static readonly (string, int, int?, int?) Plenty = ("H100-SXM", 1024, null, null);

    private static PendingJob Gang(string id, int pods, TopologyLevel level, TopologyMode mode, string queue = "research", int gpus = 8) =>
        Jobs.Pending(id, queue, gpus: gpus, pods: pods, type: "H100-SXM") with { Topology = new TopologyRequest(level, mode) };

    private static string[] RacksOf(Place place) => place.Pods.Select(p => p.Node.Split('-')[0]).Distinct().Order().ToArray();

    private static (string Node, int[] Gpus) Whole(string node) => (node, [0, 1, 2, 3, 4, 5, 6, 7]);

    [Fact]
    public void A_gang_requiring_a_rack_is_placed_within_the_one_rack_that_holds_it()
    {
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 2, nodesPerRack: 4)
            .Running("busy", "research", 1000, [Whole("r0-n0")])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 4, TopologyLevel.Rack, TopologyMode.Required)));

        Assert.Equal(["r1"], RacksOf(PlaceOf(result, "gang")));
    }

    [Fact]
    public void A_gang_requiring_a_rack_waits_when_no_single_rack_holds_it_and_the_reason_names_the_level()
    {
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 3, nodesPerRack: 2)
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 3, TopologyLevel.Rack, TopologyMode.Required)));

        Assert.Empty(result.Placements);
        Assert.StartsWith("no single rack has 24 free H100-SXM GPUs for 3 pod(s) × 8 GPU(s)", ReasonOf(result, "gang"), StringComparison.Ordinal);
        Assert.Contains("the most in one rack is 16", ReasonOf(result, "gang"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_gang_requiring_a_block_may_span_the_racks_of_one_block()
    {
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 4, nodesPerRack: 2, racksPerBlock: 2)
            .Running("busy", "research", 1000, [Whole("r0-n0")])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 4, TopologyLevel.Block, TopologyMode.Required)));

        Assert.Equal(["r2", "r3"], RacksOf(PlaceOf(result, "gang")));
    }

    [Fact]
    public void Required_topology_on_nodes_without_topology_labels_waits_and_says_no_node_names_the_level()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 2, TopologyLevel.Rack, TopologyMode.Required)));

        Assert.Empty(result.Placements);
        Assert.Contains("no node names its rack", ReasonOf(result, "gang"), StringComparison.Ordinal);
    }

    [Fact]
    public void A_gang_requiring_one_node_gets_all_its_pods_on_one_node()
    {
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 1, nodesPerRack: 3)
            .Running("half", "research", 1000, [("r0-n0", [0, 1, 2, 3])])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 4, TopologyLevel.Node, TopologyMode.Required, gpus: 2)));

        Assert.Single(PlaceOf(result, "gang").Pods.Select(p => p.Node).Distinct());
    }

    [Fact]
    public void A_gang_preferring_a_rack_spreads_over_the_fewest_racks_when_no_single_rack_holds_it()
    {
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 3, nodesPerRack: 4)
            .Running("busy-r1", "research", 1000, [Whole("r1-n0"), Whole("r1-n1")])
            .Running("busy-r2", "research", 1000, [Whole("r2-n0")])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 6, TopologyLevel.Rack, TopologyMode.Preferred)));

        // r0 (4 free nodes) and r2 (3) hold 6 in two racks; r1 (2) is not needed.
        Assert.Equal(["r0", "r2"], RacksOf(PlaceOf(result, "gang")));
    }

    [Fact]
    public void A_gang_preferring_a_rack_goes_into_the_tightest_rack_that_holds_it()
    {
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 3, nodesPerRack: 4)
            .Running("busy-r2", "research", 1000, [Whole("r2-n0")])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 3, TopologyLevel.Rack, TopologyMode.Preferred)));

        Assert.Equal(["r2"], RacksOf(PlaceOf(result, "gang")));
    }

    [Fact]
    public void A_gang_preferring_a_rack_still_starts_when_only_unlabelled_nodes_have_room()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(3, "H100-SXM", 8)
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 3, TopologyLevel.Rack, TopologyMode.Preferred)));

        Assert.Equal(3, PlaceOf(result, "gang").Pods.Count);
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    [InlineData(5UL)]
    [InlineData(6UL)]
    public void A_small_job_goes_to_a_broken_rack_keeping_a_whole_rack_for_a_waiting_gang(ulong seed)
    {
        // The gang's queue is at its quota, so it waits; the whole-node job must not break rack r1, the only rack it could use.
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 2, nodesPerRack: 2)
            .Running("half", "small", 1000, [("r0-n0", [0, 1, 2, 3])])
            .Queue("big", quotas: [("H100-SXM", 8, null, null)])
            .Queue("small", quotas: [Plenty])
            .Pending(Gang("gang", pods: 2, TopologyLevel.Rack, TopologyMode.Required, queue: "big"))
            .Pending(Jobs.Pending("one-node", "small", gpus: 8, type: "H100-SXM")), new SchedulerOptions { Seed = seed });

        Assert.Equal("r0-n1", Assert.Single(PlaceOf(result, "one-node").Pods).Node);
    }

    [Fact]
    public void Without_a_waiting_gang_asking_for_a_level_small_jobs_are_placed_by_the_policy_alone()
    {
        var snapshot = new SnapshotBuilder()
            .Racks(racks: 2, nodesPerRack: 2)
            .Running("half", "small", 1000, [("r0-n0", [0, 1, 2, 3])])
            .Queue("small", quotas: [Plenty])
            .Pending(Jobs.Pending("one-node", "small", gpus: 8, type: "H100-SXM"))
            .Build();

        // Three whole nodes tie for the policy; seeded ties spread them, so some seed picks a node of rack r1.
        var nodes = Enumerable.Range(1, 16).Select(seed => Assert.Single(SchedulingCycle.Run(snapshot, new SchedulerOptions { Seed = (ulong)seed }).Placements).Pods[0].Node);
        Assert.Contains(nodes, n => n.StartsWith("r1", StringComparison.Ordinal));
    }

    [Fact]
    public void The_same_snapshot_gives_the_same_topology_placements()
    {
        var builder = new SnapshotBuilder()
            .Racks(racks: 4, nodesPerRack: 4, racksPerBlock: 2)
            .Running("busy", "research", 1000, [Whole("r0-n0"), ("r3-n1", [0, 1])])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("a", pods: 5, TopologyLevel.Rack, TopologyMode.Preferred))
            .Pending(Gang("b", pods: 3, TopologyLevel.Rack, TopologyMode.Required))
            .Pending(Jobs.Pending("c", "research", gpus: 2, type: "H100-SXM"));

        var first = Run(builder).Decisions.Select(d => d.ToString()).ToArray();
        var second = Run(builder).Decisions.Select(d => d.ToString()).ToArray();

        Assert.Equal(first, second);
    }

    [Fact]
    public void A_gang_preferring_a_block_is_packed_into_the_fewest_racks_of_the_tightest_block()
    {
        // Block b0 (r0, r1, r2) has 7 free nodes, r1 only one of them; block b1 is whole. No rack holds 5 nodes.
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 6, nodesPerRack: 4, racksPerBlock: 3)
            .Running("busy", "research", 1000, [Whole("r0-n0"), Whole("r1-n0"), Whole("r1-n1"), Whole("r1-n2"), Whole("r2-n0")])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 5, TopologyLevel.Block, TopologyMode.Preferred)));

        Assert.Equal(["r0", "r2"], RacksOf(PlaceOf(result, "gang")));
    }

    [Fact]
    public void A_gang_preferring_a_rack_that_no_rack_holds_stays_inside_one_block()
    {
        // r0 has one free node and r1 two (block b0: 3); racks r2 and r3 (block b1) have two each. Roomiest racks first would
        // have taken r1 and r2, across blocks.
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 4, nodesPerRack: 2, racksPerBlock: 2)
            .Running("busy", "research", 1000, [Whole("r0-n0")])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 3, TopologyLevel.Rack, TopologyMode.Preferred)));

        Assert.Equal(["r0", "r1"], RacksOf(PlaceOf(result, "gang")));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    [InlineData(5UL)]
    [InlineData(6UL)]
    public void A_gang_requiring_a_block_goes_into_one_rack_of_it_when_one_holds_it(ulong seed)
    {
        // Block b0 is the tightest (r0 has one node in use); inside it rack r1 holds the gang whole.
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 4, nodesPerRack: 3, racksPerBlock: 2)
            .Running("busy", "research", 1000, [Whole("r0-n0")])
            .Queue("research", quotas: [Plenty])
            .Pending(Gang("gang", pods: 3, TopologyLevel.Block, TopologyMode.Required)), new SchedulerOptions { Seed = seed });

        Assert.Equal(["r1"], RacksOf(PlaceOf(result, "gang")));
    }

    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    [InlineData(4UL)]
    [InlineData(5UL)]
    [InlineData(6UL)]
    public void Waiting_gangs_at_rack_and_at_block_level_both_keep_their_domains_whole(ulong seed)
    {
        // Rack r0 is full, so no rack is broken with room: a whole-node job must then take a whole rack of the broken block b0
        // (r1), not one of block b1, which the waiting block-level gang needs; its rack-level neighbour needs any whole rack. The
        // rack-level gang asks for more GPUs, so guarding only the level most asked for would have guarded racks alone. Both
        // gangs wait on their queue's quota.
        var result = Run(new SnapshotBuilder()
            .Racks(racks: 4, nodesPerRack: 2, racksPerBlock: 2)
            .Running("full", "small", 1000, [Whole("r0-n0"), Whole("r0-n1")])
            .Queue("big", quotas: [("H100-SXM", 4, null, null)])
            .Queue("small", quotas: [Plenty])
            .Pending(Gang("rack-gang", pods: 2, TopologyLevel.Rack, TopologyMode.Required, queue: "big"))
            .Pending(Gang("block-gang", pods: 4, TopologyLevel.Block, TopologyMode.Required, queue: "big", gpus: 2))
            .Pending(Jobs.Pending("one-node", "small", gpus: 8, type: "H100-SXM")), new SchedulerOptions { Seed = seed });

        Assert.StartsWith("r1-", Assert.Single(PlaceOf(result, "one-node").Pods).Node, StringComparison.Ordinal);
    }
}
