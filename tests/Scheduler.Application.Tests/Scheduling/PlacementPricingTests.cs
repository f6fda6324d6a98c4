using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Application.Tests.Scheduling;

/// <summary>Admission reprices a gang's stored estimate for the racks, nodes and GPUs per node its placement has.</summary>
public sealed class PlacementPricingTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>, IAsyncLifetime
{
    private const string Queue = "interconnect";

    public ValueTask InitializeAsync() => new(fixture.EnsureQueueAsync(Queue));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task A_gang_placed_across_racks_ends_up_with_a_slower_stored_estimate_than_one_placed_in_one_rack()
    {
        var inRack = await SubmitAsync();
        var acrossRacks = await SubmitAsync();
        var submitted = inRack.Estimate!;

        await fixture.SendAsync(new AdmitJobs(
        [
            new JobAdmission(inRack.Id, inRack.Version, TwoNodes("r1", "r1"), "placed"),
            new JobAdmission(acrossRacks.Id, acrossRacks.Version, TwoNodes("r1", "r2"), "placed"),
        ], "training"));

        var oneRack = (await fixture.QueryAsync(new GetJob(inRack.Id))).Value!.Estimate!;
        var twoRacks = (await fixture.QueryAsync(new GetJob(acrossRacks.Id))).Value!.Estimate!;
        Assert.Equal(submitted.StepSeconds, oneRack.StepSeconds, 9);
        Assert.True(twoRacks.StepSeconds > oneRack.StepSeconds, $"{twoRacks.StepSeconds} s against {oneRack.StepSeconds} s in one rack");
        Assert.True(twoRacks.GpuHours > submitted.GpuHours);
        Assert.Equal((8, 2, 2, true), (twoRacks.Interconnect!.GpusPerNode, twoRacks.Interconnect.Nodes, twoRacks.Interconnect.Racks, twoRacks.Interconnect.RacksLabelled));
        Assert.True(twoRacks.Interconnect.StepTimeChangePercent > 0);
        Assert.StartsWith("priced for 2 racks, 2 nodes", twoRacks.Interconnect.Note, StringComparison.Ordinal);
        Assert.Equal(submitted.Mfu, twoRacks.Mfu);

        // The operator's predicted runtime (backfill, predicted end) is read from the repriced estimate.
        var active = await fixture.QueryAsync(new ListActiveJobs());
        Assert.Equal(twoRacks.WallHours, active.Single(j => j.Id == acrossRacks.Id).EstimatedWallHours!.Value, 9);
        Assert.Equal(oneRack.WallHours, active.Single(j => j.Id == inRack.Id).EstimatedWallHours!.Value, 9);
    }

    [Fact]
    public async Task A_gang_admitted_on_its_own_is_repriced_too_and_unlabelled_nodes_are_priced_as_one_rack()
    {
        var labelled = await SubmitAsync();
        var unlabelled = await SubmitAsync();

        await fixture.SendAsync(new AdmitJob(labelled.Id, labelled.Version, TwoNodes("r1", "r2"), "training", "placed"));
        await fixture.SendAsync(new AdmitJob(unlabelled.Id, unlabelled.Version, TwoNodes(null, null), "training", "placed"));

        var split = (await fixture.QueryAsync(new GetJob(labelled.Id))).Value!.Estimate!;
        var unknown = (await fixture.QueryAsync(new GetJob(unlabelled.Id))).Value!.Estimate!;
        Assert.Equal(2, split.Interconnect!.Racks);
        Assert.True(split.StepSeconds > unlabelled.Estimate!.StepSeconds);
        Assert.Equal((1, false), (unknown.Interconnect!.Racks, unknown.Interconnect.RacksLabelled));
        Assert.Equal(unlabelled.Estimate!.StepSeconds, unknown.StepSeconds, 9);
    }

    [Fact]
    public async Task A_requeued_gang_placed_again_in_one_rack_gets_back_the_estimate_of_one_rack()
    {
        var job = await SubmitAsync();
        var admitted = (await fixture.SendAsync(new AdmitJob(job.Id, job.Version, TwoNodes("r1", "r2"), "training", "placed"))).Value!;
        var requeued = (await fixture.SendAsync(new TransitionJob(job.Id, JobState.Preempted, "preempted", admitted.Version))).Value!;
        requeued = (await fixture.SendAsync(new TransitionJob(job.Id, JobState.Queued, "requeued", requeued.Version))).Value!;

        await fixture.SendAsync(new AdmitJob(job.Id, requeued.Version, TwoNodes("r3", "r3"), "training", "placed"));

        var again = (await fixture.QueryAsync(new GetJob(job.Id))).Value!.Estimate!;
        Assert.Equal(1, again.Interconnect!.Racks);
        Assert.Equal(job.Estimate!.StepSeconds, again.StepSeconds, 9);
        Assert.Equal(job.Estimate.StepSeconds, again.Interconnect.UnplacedStepSeconds, 9);
    }

    private static IReadOnlyList<JobPodPlacement> TwoNodes(string? firstRack, string? secondRack) =>
    [
        new JobPodPlacement(0, "node-a", [0, 1, 2, 3, 4, 5, 6, 7], 1000, 0, 0, firstRack),
        new JobPodPlacement(1, "node-b", [0, 1, 2, 3, 4, 5, 6, 7], 1000, 0, 0, secondRack),
    ];

    /// <summary>
    /// LLaMA-2 7B shape with short sequences, data-parallel over 2 nodes × 8 H100s: its gradient all-reduce crosses the network
    /// and is not hidden behind so little compute once the spine halves the bandwidth.
    /// </summary>
    private async Task<JobDetails> SubmitAsync() =>
        (await fixture.SendAsync(new SubmitJob(JobSpecBuilder.AJob($"gang-{Guid.NewGuid():N}"[..30]).InQueue(Queue)
            .Model(m => m with
            {
                Layers = 32, HiddenSize = 4096, Heads = 32, KvHeads = 32, FfnHiddenSize = 11008, Mlp = MlpKind.SwiGlu,
                PositionEmbedding = PositionEmbedding.Rope, VocabSize = 32000, SeqLength = 512, TiedEmbeddings = false,
            })
            .Gpus(16, "H100-SXM", gpusPerNode: 8)
            .Parallelism(p => p with { Data = 16, Tensor = 1, Pipeline = 1, ZeroStage = 1 })
            .Training(t => t with { Tokens = 1e9, GlobalBatchSize = 16, MicroBatchSize = 1 })
            .Build()))).Value!.Job;
}
