using Scheduler.Core.Placement;

namespace Scheduler.Core.Tests.Placement;

/// <summary>The ATC '23 artifact's FGD and BestFit as our baselines reproduce them: typical pods, ties by a seeded node order.</summary>
public sealed class ArtifactBaselineTests
{
    private static readonly PodRequest OneGpu = PodRequest.Create(1, 1000, 1000, 1024);

    private static ClusterState Cluster(int nodes, int gpus) => new(Enumerable.Range(0, nodes)
        .Select(i => new NodeSpec($"n{i}", "T4", Enumerable.Repeat(1000, gpus).ToArray(), 64_000, 256_000, 64_000, Accepts: true, Taints: []))
        .ToArray());

    [Fact]
    public void Typical_pods_keep_only_the_most_frequent_shapes_that_make_the_popularity_share()
    {
        var pods = Enumerable.Repeat(OneGpu, 10)
            .Concat(Enumerable.Repeat(PodRequest.Create(1, 500, 1000, 1024), 5))
            .Append(PodRequest.Create(8, 1000, 1000, 1024));

        var model = FragmentationModel.Typical(pods, popularity: 0.9);

        Assert.Equal(2, model.ShapeCount);
        Assert.Equal(0, model.Fragmentation(0, 64_000, 256_000, [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000]), 6);
        Assert.Equal(400, model.Fragmentation(0, 64_000, 256_000, [400, 1000]), 6);
    }

    [Fact]
    public void Typical_pods_ignore_memory_and_count_every_free_milli_for_cpu_only_pods()
    {
        var pods = new[] { PodRequest.Create(0, 0, 1000, 1024), PodRequest.Create(1, 1000, 1000, 1_000_000) };

        var model = FragmentationModel.Typical(pods, popularity: 1);

        Assert.Equal(0.5 * 2000, model.Fragmentation(0, 64_000, 1024, [1000, 1000]), 6);
    }

    [Theory]
    [InlineData(PlacementPolicy.Fgd)]
    [InlineData(PlacementPolicy.BestFit)]
    public void Artifact_baselines_fill_tied_nodes_in_a_seeded_order(PlacementPolicy policy)
    {
        List<int> Place(ulong seed)
        {
            var selector = new NodeSelector(Cluster(8, 2), policy, FragmentationModel.Typical([OneGpu]), seed);
            var used = new List<int>();
            for (var i = 0; i < 8; i++)
            {
                var node = selector.SelectNode(OneGpu);
                selector.Assign(node, OneGpu);
                used.Add(node);
            }

            return used;
        }

        var first = Place(3);

        Assert.Equal(4, first.Distinct().Count());
        Assert.Equal(first, Place(3));
        Assert.Contains(Enumerable.Range(4, 12), seed => !Place((ulong)seed).SequenceEqual(first));
    }
}
