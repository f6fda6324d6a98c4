using Scheduler.Core.Cycle;
using Scheduler.Core.Placement;
using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Placement;

/// <summary>Placement through whole cycles: GPU types, gangs, topology, sharing, taints, node resources, policies.</summary>
public sealed class PlacementScenarioTests
{
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
    public void Honours_node_cpu_and_memory()
    {
        var result = Run(new SnapshotBuilder()
            .Node("small", "H100-SXM", 8, cpu: 4000).Node("big", "H100-SXM", 8, cpu: 96_000)
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("j", "research", gpus: 1, cpu: 8000)));

        Assert.Equal("big", Assert.Single(PlaceOf(result, "j").Pods).Node);
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
