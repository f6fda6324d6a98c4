using Scheduler.Admission.Tests.Support;
using Scheduler.Admission.Timing;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Timing;

public sealed class PlacementInterconnectTests
{
    /// <summary>LLaMA-2 7B data-parallel over 64 H100s with ZeRO-1, one sequence per GPU: the gradient all-reduce is large.</summary>
    private static JobSpec DataParallel7B(int tensor = 1) => JobSpecNormalizer.Normalize(JobSpecBuilder.AJob()
        .Model(Jobs.Llama7B)
        .Gpus(64, "H100-SXM", gpusPerNode: 8)
        .Parallelism(p => p with { Data = 64 / tensor, Tensor = tensor, Pipeline = 1, ZeroStage = 1 })
        .Training(t => t with { GlobalBatchSize = 64 / tensor, MicroBatchSize = 1 })
        .Build());

    private static Estimate Estimate(JobSpec spec, PlacementInterconnect? placement = null) =>
        new Estimator(GpuCatalog.Default).Estimate(spec, placement: placement);

    [Fact]
    public void A_placement_packed_as_the_spec_asks_in_one_rack_prices_as_the_spec_alone()
    {
        var spec = DataParallel7B();

        Assert.Equal(Estimate(spec).StepSeconds, Estimate(spec, new PlacementInterconnect(GpusPerNode: 8, Nodes: 8)).StepSeconds, 12);
    }

    [Fact]
    public void A_data_parallel_job_split_across_racks_is_priced_slower_than_in_one_rack()
    {
        var spec = DataParallel7B();

        var oneRack = Estimate(spec, new PlacementInterconnect(GpusPerNode: 2, Nodes: 32, Racks: 1));
        var fourRacks = Estimate(spec, new PlacementInterconnect(GpusPerNode: 2, Nodes: 32, Racks: 4));

        Assert.True(fourRacks.StepBreakdown.DataParallelExposed > oneRack.StepBreakdown.DataParallelExposed,
            $"{fourRacks.StepBreakdown} vs {oneRack.StepBreakdown}");
        Assert.True(fourRacks.StepSeconds > oneRack.StepSeconds);
    }

    [Fact]
    public void Fewer_gpus_per_node_drive_fewer_network_links_and_price_the_all_reduce_slower()
    {
        var spec = DataParallel7B();

        var packed = Estimate(spec, new PlacementInterconnect(GpusPerNode: 8, Nodes: 8));
        var thin = Estimate(spec, new PlacementInterconnect(GpusPerNode: 1, Nodes: 64));

        Assert.True(thin.StepSeconds > packed.StepSeconds, $"{thin.StepBreakdown} vs {packed.StepBreakdown}");
    }

    [Fact]
    public void A_tensor_group_wider_than_the_gpus_placed_on_a_node_runs_over_the_network()
    {
        var spec = DataParallel7B(tensor: 8);

        var withinNode = Estimate(spec, new PlacementInterconnect(GpusPerNode: 8, Nodes: 8));
        var splitNodes = Estimate(spec, new PlacementInterconnect(GpusPerNode: 4, Nodes: 16));

        Assert.True(splitNodes.StepBreakdown.TensorParallel > withinNode.StepBreakdown.TensorParallel);
    }

    [Fact]
    public void Of_a_placement_counts_nodes_racks_and_the_fewest_gpus_on_one_node()
    {
        var placement = PlacementInterconnect.Of([("n1", "r1", 8), ("n2", "r1", 4), ("n3", "r2", 8), ("n4", null, 8)]);

        Assert.Equal(new PlacementInterconnect(GpusPerNode: 4, Nodes: 4, Racks: 3), placement);
    }
}
