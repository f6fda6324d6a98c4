using Scheduler.Core.Placement;
using Scheduler.Core.Placement.Policies;

namespace Scheduler.Core.Tests.Placement.Policies;

/// <summary>The default policy looks ahead over a number of sharing arrivals when it places a shared pod, not arrivals of any shape.</summary>
public sealed class SharedLookAheadTests
{
    private static readonly PodRequest Whole = PodRequest.Create(1, 1000, 1000, 1024);
    private static readonly PodRequest Share470 = PodRequest.Create(1, 470, 1000, 1024);
    private static readonly PodRequest Share160 = PodRequest.Create(1, 160, 1000, 1024);

    private static FragmentationModel Mix(double whole, double share470, double share160) =>
        FragmentationModel.Create([(Whole, whole), (Share470, share470), (Share160, share160)]);

    [Theory]
    [InlineData(0, 3.5)]
    [InlineData(1, 7)]
    [InlineData(3, 14)]
    public void The_horizon_is_the_sharing_arrivals_over_the_share_of_shapes_that_share(double wholeWeight, double expected) =>
        Assert.Equal(expected, SharedLookAhead.Horizon(Mix(wholeWeight, 0.8, 0.2)), 9);

    [Theory]
    [InlineData(99)]
    [InlineData(1_000_000)]
    public void Rare_shares_look_ahead_at_most_the_guarded_number_of_arrivals(double wholeWeight) =>
        Assert.Equal(SharedLookAhead.MaxArrivals, SharedLookAhead.Horizon(Mix(wholeWeight, 0.8, 0.2)));

    [Fact]
    public void A_workload_without_shares_still_gets_a_horizon() =>
        Assert.Equal(SharedLookAhead.MaxArrivals, SharedLookAhead.Horizon(FragmentationModel.Create([(Whole, 1.0)])));

    [Theory]
    [InlineData("shares only", 0)]
    [InlineData("four in five tasks take a whole GPU", 4)]
    public void A_shared_pod_keeps_the_frequent_shares_hole_however_many_whole_gpu_tasks_the_workload_holds(string what, double wholeWeight)
    {
        // Shares are 470 milli (four in five) and 160. A 470 pod on GPU 0 (660 free) leaves 190, which only 160s fit; on GPU 1 (whole)
        // it leaves 530, which the next 470 fills. Counting four arrivals of any shape, the diluted mix sees too few 470s coming and
        // takes the tight fit; counting sharing arrivals, both mixes keep the 530 hole.
        var selector = new NodeSelector(
            new ClusterState([new NodeSpec("n", "T4", [660, 1000], 64_000, 512_000, 64_000, Accepts: true, Taints: [])]),
            PlacementPolicy.FragmentationAware, Mix(wholeWeight, 0.8, 0.2), seed: 1);

        Assert.True(selector.Assign(0, Share470) is [1], what);
    }
}
