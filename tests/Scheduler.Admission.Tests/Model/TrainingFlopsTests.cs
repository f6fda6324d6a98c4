using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Model;

public sealed class TrainingFlopsTests
{
    // GPT-2 124M: N multiplying per token = 12 blocks (84,953,088) + final norm (768) + output head V·h (38,597,376);
    // the input embedding and positions are looked up, not multiplied. Attention: 12·L·h·s = 12·12·768·1024.
    private const double MatmulParameters = 84_953_088 + 768 + 38_597_376;
    private const double Attention = 12.0 * 12 * 768 * 1024;

    [Fact]
    public void Training_costs_six_flops_per_parameter_plus_the_attention_term()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob());

        Assert.Equal((6 * MatmulParameters) + Attention, estimate.FlopsPerToken);
        Assert.Equal(estimate.FlopsPerToken * 1e9, estimate.FlopsTotal);
    }

    [Fact]
    public void Full_recomputation_adds_a_third_of_the_step()
    {
        var plain = Jobs.Estimate(JobSpecBuilder.AJob());
        var recomputed = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { ActivationCheckpointing = ActivationCheckpointing.Full }));

        Assert.Equal(4.0 / 3, recomputed.FlopsPerToken / plain.FlopsPerToken, 12);
    }

    [Fact]
    public void Selective_recomputation_reruns_only_the_attention_core()
    {
        var plain = Jobs.Estimate(JobSpecBuilder.AJob());
        var selective = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { ActivationCheckpointing = ActivationCheckpointing.Selective }));

        Assert.Equal(Attention / 3, selective.FlopsPerToken - plain.FlopsPerToken);
    }

    [Fact]
    public void Lora_skips_the_weight_gradients_of_frozen_weights()
    {
        var lora = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.Lora, LoraRank = 16 } }));

        // Forward 2(N + A) + 4Lhs, backward twice that less the frozen weight gradients 2N: 4N + 6A + 12Lhs.
        Assert.Equal((4 * MatmulParameters) + (6 * lora.TrainableParameters) + Attention, lora.FlopsPerToken, 6);
    }

    [Fact]
    public void Mixture_of_experts_pays_for_the_routed_experts_only()
    {
        var dense = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B));
        var moe = Jobs.Estimate(JobSpecBuilder.AJob().Model(m => Jobs.Llama7B(m) with { Moe = new MoeSpec { Experts = 8, ActiveExperts = 1 } }));

        // One routed expert of the same width: the dense model's FLOPs plus the router (h · experts per block).
        Assert.Equal(dense.FlopsPerToken + (6.0 * 32 * 4096 * 8), moe.FlopsPerToken);
        Assert.True(moe.Parameters > 5 * dense.Parameters);
    }
}
