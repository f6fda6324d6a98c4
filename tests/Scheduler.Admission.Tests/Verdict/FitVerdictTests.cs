using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Verdict;

public sealed class FitVerdictTests
{
    private static JobSpecBuilder Llama7BOn(int gpus, string gpuType = "A100-80GB") =>
        JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(gpus, gpuType)
            .Training(t => t with { GlobalBatchSize = 8 * gpus, ActivationCheckpointing = ActivationCheckpointing.Selective });

    [Fact]
    public void A_job_that_fits_has_no_reason_and_no_suggestions()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob());

        Assert.True(estimate.Fits);
        Assert.Null(estimate.Reason);
        Assert.Empty(estimate.Suggestions);
        Assert.Matches(@"^fits: \d+\.\d of 80 GiB per GPU on A100-80GB$", estimate.Verdict);
        Assert.True(estimate.MemoryPerGpuGiB.Total <= estimate.GpuMemoryGiB);
    }

    /// <summary>GPT-2 XL's shape (a GELU decoder with learned positions, which the bundled trainer runs) on eight A10s.</summary>
    private static JobSpecBuilder Gpt2XlOnA10s() =>
        JobSpecBuilder.AJob().Model(m => m with { Layers = 48, HiddenSize = 1600, Heads = 25 }).Gpus(8, "A10")
            .Training(t => t with { GlobalBatchSize = 8, MicroBatchSize = 1 });

    [Fact]
    public void A_job_the_bundled_trainer_runs_is_told_first_what_the_trainer_can_change_and_which_changes_need_an_image()
    {
        var estimate = Jobs.Estimate(Gpt2XlOnA10s());

        Assert.False(estimate.Fits);
        Assert.DoesNotContain(FitAdvisorNeedsImage, estimate.Suggestions[0].Description);
        Assert.Equal(["resources.gpuType"], estimate.Suggestions[0].Changes.Keys);
        var zero = Assert.Single(estimate.Suggestions, s => s.Changes.ContainsKey("parallelism.zeroStage"));
        Assert.EndsWith(FitAdvisorNeedsImage, zero.Description);
    }

    [Fact]
    public void A_job_with_its_own_image_is_not_told_about_the_bundled_trainer()
    {
        var estimate = Jobs.Estimate(Gpt2XlOnA10s().With(s => s with { Container = new ContainerSpec { Image = "registry.example/llm:1" } }));

        Assert.False(estimate.Fits);
        Assert.StartsWith("ZeRO stage 1 over 8 GPUs brings it to ", estimate.Suggestions[0].Description);
        Assert.All(estimate.Suggestions, s => Assert.DoesNotContain(FitAdvisorNeedsImage, s.Description));
    }

    private const string FitAdvisorNeedsImage = Scheduler.Admission.Verdict.FitAdvisor.NeedsImage;

    [Fact]
    public void A_higher_zero_stage_comes_first_when_it_is_enough()
    {
        var estimate = Jobs.Estimate(Llama7BOn(8));

        Assert.False(estimate.Fits);
        Assert.Matches(@"^needs \d+\.\d GiB per GPU on A100-80GB; 80 GiB available$", estimate.Reason);
        var first = estimate.Suggestions[0];
        Assert.Equal(new Dictionary<string, string> { ["parallelism.zeroStage"] = "1" }, first.Changes);
        Assert.StartsWith("ZeRO stage 1 over 8 GPUs brings it to ", first.Description);
        Assert.InRange(first.MemoryPerGpuGiB, 1, 80);
        Assert.Equal($"{estimate.Reason}; {first.Description}", estimate.Verdict);
    }

    [Fact]
    public void A_single_gpu_job_is_told_how_many_gpus_zero_3_needs()
    {
        var estimate = Jobs.Estimate(Llama7BOn(1));

        var scale = Assert.Single(estimate.Suggestions, s => s.Changes.ContainsKey("resources.gpus"));
        Assert.Equal("3", scale.Changes["parallelism.zeroStage"]);
        Assert.Matches(@"^ZeRO stage 3 over \d+ GPUs brings it to \d+\.\d GiB per GPU on A100-80GB$", scale.Description);
        var refit = Jobs.Estimate(Llama7BOn(int.Parse(scale.Changes["resources.gpus"])).Parallelism(p => p with { ZeroStage = 3 }));
        Assert.True(refit.Fits);
        Assert.Equal(scale.MemoryPerGpuGiB, refit.MemoryPerGpuGiB.Total, 9);
    }

    [Fact]
    public void Every_suggestion_applied_to_the_spec_makes_it_fit()
    {
        var estimate = Jobs.Estimate(Llama7BOn(8).Training(t => t with { MicroBatchSize = 4, GlobalBatchSize = 64, ActivationCheckpointing = ActivationCheckpointing.None }));

        Assert.NotEmpty(estimate.Suggestions);
        foreach (var suggestion in estimate.Suggestions)
        {
            var changed = Llama7BOn(8).Training(t => t with { MicroBatchSize = 4, GlobalBatchSize = 64, ActivationCheckpointing = ActivationCheckpointing.None })
                .With(spec => Suggestions.Apply(spec, suggestion.Changes));
            var refit = Jobs.Estimate(changed);
            Assert.True(refit.Fits, suggestion.Description);
            Assert.Equal(suggestion.MemoryPerGpuGiB, refit.MemoryPerGpuGiB.Total, 9);
        }
    }

    [Fact]
    public void More_gpus_are_not_suggested_when_a_change_on_the_same_gpus_is_enough()
    {
        var estimate = Jobs.Estimate(Llama7BOn(8).Training(t => t with { ActivationCheckpointing = ActivationCheckpointing.None })
            .Model(m => m with { SeqLength = 4096 }));

        Assert.Contains(estimate.Suggestions, s => s.Changes.ContainsKey("parallelism.tensor"));
        Assert.DoesNotContain(estimate.Suggestions, s => s.Changes.ContainsKey("resources.gpus"));
    }

    [Fact]
    public void The_smallest_bigger_gpu_type_that_fits_is_suggested()
    {
        // 1.3B parameters at 16 B each need more than a V100-16GB; 22.5 GiB (A10, L4) is still short, 31.75 GiB is enough.
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Model(m => m with { Layers = 24, HiddenSize = 2048, Heads = 16 }).Gpus(1, "V100-16GB"));

        var bigger = Assert.Single(estimate.Suggestions, s => s.Changes.ContainsKey("resources.gpuType"));
        Assert.Equal("V100-32GB", bigger.GpuType);
    }

    [Fact]
    public void The_first_alternative_that_fits_is_priced()
    {
        var estimate = Jobs.Estimate(Llama7BOn(8, "A10|A100-80GB").Parallelism(p => p with { ZeroStage = 1 }));

        Assert.True(estimate.Fits);
        Assert.Equal("A100-80GB", estimate.GpuType);
    }

    [Fact]
    public void When_no_alternative_fits_the_first_is_reported()
    {
        var estimate = Jobs.Estimate(Llama7BOn(8, "T4|A10"));

        Assert.False(estimate.Fits);
        Assert.Equal("T4", estimate.GpuType);
        Assert.Contains("on T4", estimate.Reason);
    }

    [Fact]
    public void A_fractional_gpu_is_first_offered_a_larger_share()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().GpuFraction(100).Training(t => t with { MicroBatchSize = 8 }));

        Assert.False(estimate.Fits);
        Assert.Equal(8, estimate.GpuMemoryGiB);
        Assert.Contains("resources.gpuMilli", estimate.Suggestions[0].Changes.Keys);
    }

    [Fact]
    public void When_no_single_change_is_enough_they_are_combined()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob()
            .Model(m => Jobs.Llama7B(m) with { Layers = 80, HiddenSize = 8192, Heads = 64, KvHeads = 8, FfnHiddenSize = 28672, SeqLength = 4096 })
            .Gpus(8).Training(t => t with { GlobalBatchSize = 8 }));

        var combined = Assert.Single(estimate.Suggestions);
        Assert.Equal("full", combined.Changes["training.activationCheckpointing"]);
        Assert.Equal("3", combined.Changes["parallelism.zeroStage"]);
        Assert.True(Jobs.Estimate(JobSpecBuilder.AJob()
            .Model(m => Jobs.Llama7B(m) with { Layers = 80, HiddenSize = 8192, Heads = 64, KvHeads = 8, FfnHiddenSize = 28672, SeqLength = 4096 })
            .Gpus(8).Training(t => t with { GlobalBatchSize = 8 }).With(spec => Suggestions.Apply(spec, combined.Changes))).Fits);
    }

    [Fact]
    public void Scaling_out_a_huge_micro_batch_suggests_no_global_batch_past_the_limit_instead_of_overflowing()
    {
        // Valid: 2^26 sequences per step = 2^20 per micro-batch × 64 ranks. Doubling the GPUs 64 times made the advisor's
        // micro-batch × data product 2^32, which wrapped to 0 as int and divided by zero.
        var huge = JobSpecBuilder.AJob().Model(_ => new ModelSpec { Parameters = 1e14 }).Gpus(64)
            .Parallelism(p => p with { Data = 64 })
            .Training(t => t with { GlobalBatchSize = 67_108_864, MicroBatchSize = 1_048_576 });

        var estimate = Jobs.Estimate(huge);

        Assert.False(estimate.Fits);
        Assert.All(estimate.Suggestions, s => Assert.False(
            s.Changes.TryGetValue("training.globalBatchSize", out var global) && long.Parse(global, System.Globalization.CultureInfo.InvariantCulture) > JobSpecLimits.MaxGlobalBatchSize));
    }
}
