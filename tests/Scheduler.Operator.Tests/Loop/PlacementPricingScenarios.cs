using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>The operator's placement reaches the stored estimate: a gang that had to span racks is priced for them.</summary>
public sealed class PlacementPricingScenarios : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        // Four 8-GPU H100 nodes, two to a rack (the simulated cluster's rack labels).
        _harness = await OperatorHarness.StartAsync("placement-pricing", a100Nodes: 0, h100Nodes: 4);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["H100-SXM"] = 32 });
        await _harness.StartOperatorAsync("operator-a");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task A_gang_larger_than_a_rack_is_placed_across_racks_and_its_stored_estimate_is_priced_slower()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(Gang("across-racks", gpus: 24), TimeSpan.FromSeconds(600)));
        var submitted = job.Estimate!;

        await _harness.WaitForStateAsync(job.Id, JobState.Running);

        var placed = (await _harness.GetJobAsync(job.Id)).Estimate!;
        Assert.Equal(3, placed.Interconnect!.Nodes);
        Assert.Equal(2, placed.Interconnect.Racks);
        Assert.True(placed.Interconnect.RacksLabelled);
        Assert.True(placed.StepSeconds > submitted.StepSeconds, $"{placed.StepSeconds} s placed against {submitted.StepSeconds} s submitted");
        Assert.True(placed.GpuHours > submitted.GpuHours);
        Assert.Contains("2 racks", placed.Interconnect.Note, StringComparison.Ordinal);
    }

    /// <summary>A LLaMA-2 7B shape with short sequences, data-parallel over 8-GPU nodes: its all-reduce is exposed across the spine.</summary>
    private static Scheduler.Testing.Builders.JobSpecBuilder Gang(string name, int gpus) => AJob(name)
        .Model(m => m with
        {
            Layers = 32, HiddenSize = 4096, Heads = 32, KvHeads = 32, FfnHiddenSize = 11008, Mlp = MlpKind.SwiGlu,
            PositionEmbedding = PositionEmbedding.Rope, VocabSize = 32000, SeqLength = 512, TiedEmbeddings = false,
        })
        .Gpus(gpus, "H100-SXM", gpusPerNode: 8)
        .Parallelism(p => p with { Data = gpus, Tensor = 1, Pipeline = 1, ZeroStage = 1 })
        .Training(t => t with { Tokens = 1e9, GlobalBatchSize = gpus, MicroBatchSize = 1 });
}
