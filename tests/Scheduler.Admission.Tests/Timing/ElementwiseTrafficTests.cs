using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Timing;

public sealed class ElementwiseTrafficTests
{
    private const double UsableShare = 0.8;

    [Fact]
    public void Standard_kernels_move_the_norms_residuals_activation_and_an_fp32_loss_at_memory_bandwidth()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob());

        // GPT-2 124M: per layer 2 norms (4h), QKV bias and split (2·3h), 2 bias-dropout-adds (6h), bias-GELU (2f), bf16,
        // forward and twice that backward; the loss 3·2 + 28 bytes per vocabulary entry; 8 × 1,024 tokens on one A100-80GB.
        const double h = 768, f = 3072;
        var perLayer = ((4 * h) + (6 * h) + (6 * h) + (2 * f)) * 2 * 3;
        var perToken = (12 * perLayer) + (34.0 * 50257);
        Assert.Equal(8 * 1024 * perToken / (2039e9 * UsableShare), estimate.StepBreakdown.Elementwise, 12);
    }

    [Fact]
    public void Fused_kernels_move_a_residual_norm_pair_per_half_layer_and_one_classifier_pass()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { Kernels = ElementwiseKernels.Fused }));

        var perToken = (12 * 8 * 768.0 * 2 * 3) + (6.0 * 50257);
        Assert.Equal(8 * 1024 * perToken / (2039e9 * UsableShare), estimate.StepBreakdown.Elementwise, 12);
    }

    [Fact]
    public void Eager_attention_moves_the_scores_of_every_head()
    {
        var fused = Jobs.Estimate(JobSpecBuilder.AJob());
        var eager = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { Attention = AttentionKernel.Unfused }));

        // 12 layers × 4 passes over 12 heads × 1,024 scores of 2 bytes, forward and twice backward, per token.
        var scores = 12 * 4.0 * 12 * 1024 * 2 * 3;
        Assert.Equal(8 * 1024 * scores / (2039e9 * UsableShare), eager.StepBreakdown.Elementwise - fused.StepBreakdown.Elementwise, 12);
    }

    [Fact]
    public void Element_wise_work_weighs_more_on_a_small_model_than_on_a_large_one()
    {
        var small = Jobs.Estimate(JobSpecBuilder.AJob());
        var large = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8).Parallelism(p => p with { ZeroStage = 3 }));

        Assert.True(
            small.StepBreakdown.Elementwise / small.StepSeconds > 2 * large.StepBreakdown.Elementwise / large.StepSeconds,
            $"124M: {small.StepBreakdown.Elementwise / small.StepSeconds:P1} of a step; 7B: {large.StepBreakdown.Elementwise / large.StepSeconds:P1}");
    }

    [Fact]
    public void Slower_memory_stretches_only_the_element_wise_kernels()
    {
        var fast = Jobs.Estimate(JobSpecBuilder.AJob().Gpus(1, "A100-80GB"));
        var slow = Jobs.Estimate(JobSpecBuilder.AJob().Gpus(1, "A100-80GB"),
            GpuCatalog.Default.With([GpuCatalog.Default.Get("A100-80GB") with { MemoryBandwidthGBps = 1019.5 }]));

        Assert.Equal(2 * fast.StepBreakdown.Elementwise, slow.StepBreakdown.Elementwise, 12);
        Assert.Equal(fast.StepBreakdown.Compute, slow.StepBreakdown.Compute, 12);
    }

    [Fact]
    public void Tensor_and_sequence_parallelism_split_the_traffic_and_full_recomputation_adds_a_forward()
    {
        static JobSpecBuilder Job() => JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8).Training(t => t with { GlobalBatchSize = 8 });
        var alone = Jobs.Estimate(Job().Parallelism(p => p with { Data = 8 })).StepBreakdown.Elementwise;
        var split = Jobs.Estimate(Job().Parallelism(p => p with { Data = 1, Tensor = 8, SequenceParallel = true })).StepBreakdown.Elementwise;
        var recomputed = Jobs.Estimate(Job().Parallelism(p => p with { Data = 8 })
            .Training(t => t with { ActivationCheckpointing = ActivationCheckpointing.Full })).StepBreakdown.Elementwise;

        // Eight data ranks each train an eighth of the tokens whole; eight tensor ranks each move an eighth of every token.
        Assert.Equal(alone, split, 12);
        Assert.True(recomputed > alone * 1.2 && recomputed < alone * 4 / 3, $"{recomputed} vs {alone}");
    }

    [Fact]
    public void A_fraction_of_a_gpu_gets_that_fraction_of_its_bandwidth()
    {
        var whole = Jobs.Estimate(JobSpecBuilder.AJob());
        var half = Jobs.Estimate(JobSpecBuilder.AJob().GpuFraction(500));

        Assert.Equal(2 * whole.StepBreakdown.Elementwise, half.StepBreakdown.Elementwise, 12);
    }
}
