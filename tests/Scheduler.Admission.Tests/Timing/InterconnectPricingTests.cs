using System.Text.Json;
using Scheduler.Admission.Calibration;
using Scheduler.Admission.Tests.Support;
using Scheduler.Admission.Timing;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Timing;

public sealed class InterconnectPricingTests
{
    private static readonly Estimator Estimator = new(GpuCatalog.Default);

    /// <summary>LLaMA-2 7B data-parallel over 64 H100s, 8 to a node, one sequence per GPU.</summary>
    private static readonly JobSpec Spec = JobSpecNormalizer.Normalize(JobSpecBuilder.AJob()
        .Model(Jobs.Llama7B)
        .Gpus(64, "H100-SXM", gpusPerNode: 8)
        .Parallelism(p => p with { Data = 64, Tensor = 1, Pipeline = 1, ZeroStage = 1 })
        .Training(t => t with { GlobalBatchSize = 64, MicroBatchSize = 1 })
        .Build());

    [Fact]
    public void Repricing_across_racks_keeps_the_admitted_mfu_and_says_how_much_slower_the_step_is()
    {
        var calibrated = new MfuTable([new CalibratedMfu("H100-SXM", ModelSizeBand.From1BTo10B, 0.31, 12)]);
        var admitted = Estimator.Estimate(Spec, calibrated);

        var placed = InterconnectPricing.Reprice(Estimator, Spec, admitted, new PlacementInterconnect(GpusPerNode: 2, Nodes: 32, Racks: 4));

        Assert.Equal((0.31, "calibrated (n=12)"), (placed.Mfu, placed.MfuSource));
        Assert.True(placed.StepSeconds > admitted.StepSeconds);
        var pricing = placed.Interconnect!;
        Assert.Equal(admitted.StepSeconds, pricing.UnplacedStepSeconds);
        Assert.Equal((placed.StepSeconds / admitted.StepSeconds - 1) * 100, pricing.StepTimeChangePercent, 9);
        Assert.StartsWith("priced for 4 racks, 32 nodes (≥ 2 GPUs each): +", pricing.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Repricing_an_already_placed_estimate_compares_with_the_spec_s_packing_not_with_the_earlier_placement()
    {
        var admitted = Estimator.Estimate(Spec);
        var split = InterconnectPricing.Reprice(Estimator, Spec, admitted, new PlacementInterconnect(GpusPerNode: 2, Nodes: 32, Racks: 4));

        var packed = InterconnectPricing.Reprice(Estimator, Spec, split, new PlacementInterconnect(GpusPerNode: 8, Nodes: 8, Racks: 1));

        Assert.Equal(admitted.StepSeconds, packed.StepSeconds, 12);
        Assert.Equal(admitted.StepSeconds, packed.Interconnect!.UnplacedStepSeconds);
        Assert.Equal(0, packed.Interconnect.StepTimeChangePercent, 9);
        Assert.Equal("priced for 1 rack, 8 nodes (≥ 8 GPUs each): +0.0% step time against the spec's packing in one rack", packed.Interconnect.Note);
    }

    [Fact]
    public void A_repriced_estimate_round_trips_through_the_api_json_with_its_interconnect()
    {
        var placed = InterconnectPricing.Reprice(Estimator, Spec, Estimator.Estimate(Spec), new PlacementInterconnect(2, 32, 4), racksLabelled: true);

        var json = JsonSerializer.Serialize(placed, JobSpecJson.Options);

        Assert.Contains("\"interconnect\":{\"gpusPerNode\":2,\"nodes\":32,\"racks\":4,\"racksLabelled\":true", json, StringComparison.Ordinal);
        Assert.Equal(placed, JsonSerializer.Deserialize<Estimate>(json, JobSpecJson.Options));
    }
}
