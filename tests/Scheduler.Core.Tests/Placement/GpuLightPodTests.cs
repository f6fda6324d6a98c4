using Scheduler.Core.Placement;

namespace Scheduler.Core.Tests.Placement;

/// <summary>
/// CPU-only and shared-GPU pods, when fragmentation growth ties, go where the least usable GPU capacity is left (best fit would pick
/// the node with the least left in all): they fill spent nodes and keep CPU next to usable GPUs.
/// </summary>
public sealed class GpuLightPodTests
{
    private static NodeSelector Selector(PodRequest typical) => new(
        new ClusterState([
            new NodeSpec("spent", "T4", [1000, 0, 0, 0, 0, 0, 0, 0], 120_000, 512_000, 128_000, Accepts: true, Taints: []),
            new NodeSpec("small", "T4", [1000, 1000], 8_000, 512_000, 128_000, Accepts: true, Taints: []),
        ]),
        PlacementPolicy.FragmentationAware,
        FragmentationModel.Create([(typical, 1.0)]),
        seed: 1);

    public static TheoryData<string, int, int, string> Cases => new()
    {
        { "cpu-only pod", 0, 0, "spent" },
        { "shared pod", 1, 300, "spent" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Gpu_light_pods_go_to_the_node_with_the_least_usable_gpu_left(string what, int gpus, int milli, string expected)
    {
        var pod = PodRequest.Create(gpus, milli, 4_000, 1024);
        var selector = Selector(PodRequest.Create(1, gpus == 0 ? 1000 : milli, 4_000, 1024));

        var node = selector.SelectNode(pod);

        Assert.True(expected == selector.State.NodeNames[node], $"{what} went to {selector.State.NodeNames[node]}");
    }

    [Fact]
    public void Whole_gpu_pods_keep_best_fit()
    {
        var pod = PodRequest.Create(1, 1000, 4_000, 1024);
        var selector = Selector(pod);

        Assert.Equal("small", selector.State.NodeNames[selector.SelectNode(pod)]);
    }
}
