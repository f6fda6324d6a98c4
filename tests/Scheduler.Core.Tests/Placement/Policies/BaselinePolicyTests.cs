using Scheduler.Core.Placement;

namespace Scheduler.Core.Tests.Placement.Policies;

/// <summary>BestFit, GpuPacking, Random and the artifact's FGD, each ranking the same small cluster.</summary>
public sealed class BaselinePolicyTests
{
    private static readonly PodRequest Shared300 = PodRequest.Create(1, 300, 1000, 1024);
    private static readonly PodRequest OneGpu = PodRequest.Create(1, 1000, 1000, 1024);

    /// <summary>"idle": 4 whole GPUs; "partial": one GPU with 500 milli used; "busy": 3 of 4 GPUs used, little CPU left.</summary>
    private static ClusterState Cluster() => new([
        new NodeSpec("idle", "T4", [1000, 1000, 1000, 1000], 64_000, 512_000, 64_000, Accepts: true, Taints: []),
        new NodeSpec("partial", "T4", [500, 1000, 1000, 1000], 64_000, 512_000, 64_000, Accepts: true, Taints: []),
        new NodeSpec("busy", "T4", [0, 0, 0, 1000], 4_000, 512_000, 64_000, Accepts: true, Taints: []),
    ]);

    private static string Pick(PlacementPolicy policy, PodRequest pod, FragmentationModel? model = null, ulong seed = 1)
    {
        var state = Cluster();
        var node = new NodeSelector(state, policy, model, seed).SelectNode(pod);
        return node < 0 ? "none" : state.NodeNames[node];
    }

    [Fact]
    public void BestFit_takes_the_node_with_the_least_cpu_and_gpu_left()
    {
        Assert.Equal("busy", Pick(PlacementPolicy.BestFit, OneGpu));
    }

    [Fact]
    public void GpuPacking_puts_a_shared_pod_on_a_gpu_already_in_use_before_a_fuller_node()
    {
        Assert.Equal("partial", Pick(PlacementPolicy.GpuPacking, Shared300));
    }

    [Fact]
    public void GpuPacking_puts_a_whole_gpu_pod_on_a_used_node_with_the_least_gpu_left()
    {
        Assert.Equal("busy", Pick(PlacementPolicy.GpuPacking, OneGpu));
    }

    [Fact]
    public void Random_reaches_every_feasible_node_and_repeats_for_a_seed()
    {
        var picks = Enumerable.Range(1, 60).Select(seed => Pick(PlacementPolicy.Random, OneGpu, seed: (ulong)seed)).ToList();

        Assert.Equal(["busy", "idle", "partial"], picks.Distinct().Order());
        Assert.Equal(picks[0], Pick(PlacementPolicy.Random, OneGpu, seed: 1));
    }

    [Fact]
    public void Fgd_scores_the_fragmentation_growth_of_its_typical_pods()
    {
        // Typical pod: 4 whole GPUs. Only "idle" serves it; a GPU taken there strands it, a GPU taken elsewhere costs nothing more.
        var model = FragmentationModel.Typical(Enumerable.Repeat(PodRequest.Create(4, 1000, 1000, 1024), 10));

        Assert.NotEqual("idle", Pick(PlacementPolicy.Fgd, OneGpu, model));
    }

    [Theory]
    [InlineData(PlacementPolicy.FragmentationAware)]
    [InlineData(PlacementPolicy.Fgd)]
    public void A_fragmentation_policy_without_shapes_to_score_falls_back_to_best_fit(PlacementPolicy policy)
    {
        Assert.Equal(Pick(PlacementPolicy.BestFit, OneGpu), Pick(policy, OneGpu, model: null));
    }
}
