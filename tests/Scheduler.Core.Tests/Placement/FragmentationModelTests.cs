using Scheduler.Core.Placement;

namespace Scheduler.Core.Tests.Placement;

/// <summary>Expected fragmentation of a node, one arrival ahead (FGD's measure) and looking further ahead.</summary>
public sealed class FragmentationModelTests
{
    // Half the pods take a whole GPU, half share 500 milli of one.
    private static FragmentationModel Model() => FragmentationModel.Create([
        (PodRequest.Create(1, 1000, 1000, 1024), 1.0),
        (PodRequest.Create(1, 500, 1000, 1024), 1.0),
    ]);

    [Theory]
    [InlineData(1, 300)]
    [InlineData(2, 150)]
    [InlineData(4, 37.5)]
    public void Looking_ahead_counts_free_milli_by_the_chance_that_none_of_the_next_arrivals_can_use_it(int horizon, double expected)
    {
        // 600 free: only the share (half the pods) can use it, so (1 - 0.5)^K of it is expected to stay unused. The whole GPU serves
        // every shape and counts nothing; the spent GPU has nothing to count.
        var model = Model().WithHorizon(horizon);

        Assert.Equal(expected, model.Fragmentation(0, 64_000, 256_000, [600, 1000, 0]), 6);
    }

    [Fact]
    public void Looking_ahead_still_counts_all_of_a_node_that_no_shape_fits()
    {
        // 500 milli CPU left: neither shape fits the node, however many arrivals come.
        var model = Model().WithHorizon(4);

        Assert.Equal(1600, model.Fragmentation(0, 500, 256_000, [600, 1000]), 6);
    }

    [Fact]
    public void A_horizon_need_not_be_a_whole_number_of_arrivals()
    {
        // 600 free, half the shapes could use it: 600 × 0.5^2.5.
        var model = Model().WithHorizon(2.5);

        Assert.Equal(600 * Math.Pow(0.5, 2.5), model.Fragmentation(0, 64_000, 256_000, [600, 1000, 0]), 6);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    public void A_horizon_below_one_arrival_is_rejected(double horizon) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Model().WithHorizon(horizon));

    [Fact]
    public void Knows_the_share_of_its_gpu_shapes_that_share_a_gpu()
    {
        var withCpuOnly = FragmentationModel.Create([
            (PodRequest.Create(1, 1000, 1000, 1024), 3.0),
            (PodRequest.Create(1, 500, 1000, 1024), 1.0),
            (PodRequest.Create(0, 0, 1000, 1024), 4.0),
        ]);

        // CPU-only shapes are left out of the model, so the share is of GPU shapes: 1 of 4.
        Assert.Equal(0.25, withCpuOnly.SharedWeight, 9);
        Assert.Equal(0.5, Model().SharedWeight, 9);
    }
}
