using Scheduler.Admission.Memory;
using Scheduler.Admission.Model;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Memory;

/// <summary>Korthikanti et al. 2022, §4: bytes per layer for a GPT (GELU, 4·h, multi-head, 16-bit activations, unfused attention).</summary>
public sealed class ActivationMemoryTests
{
    private const double S = 2048, B = 2, H = 1024, A = 16, L = 4, V = 1000;

    private static double Activations(Func<JobSpecBuilder, JobSpecBuilder> change)
    {
        var builder = JobSpecBuilder.AJob()
            .Model(m => m with { Layers = (int)L, HiddenSize = (int)H, Heads = (int)A, VocabSize = (int)V, SeqLength = (int)S })
            .Training(t => t with { MicroBatchSize = (int)B, GlobalBatchSize = 16, Attention = AttentionKernel.Unfused });
        var spec = JobSpecNormalizer.Normalize(change(builder).Build());
        return ActivationMemory.PerGpu(ModelShape.From(spec.Model!), TrainingSetup.From(spec));
    }

    /// <summary>Logits in bf16 plus their fp32 copy for the loss: s·b·V·(2 + 4)/t.</summary>
    private static double Logits(double t = 1) => S * B * V * 6 / t;

    [Fact]
    public void Without_recomputation_a_layer_keeps_34_sbh_plus_5_a_s_squared_b()
    {
        Assert.Equal((L * S * B * H * (34 + (5 * A * S / H))) + Logits(), Activations(b => b));
    }

    [Fact]
    public void Tensor_parallelism_without_sequence_parallelism_leaves_10_sbh_unsplit()
    {
        var actual = Activations(b => b.Gpus(4).Parallelism(p => p with { Tensor = 4 }).Training(t => t with { GlobalBatchSize = 2 }));

        Assert.Equal((L * S * B * H * (10 + (24 / 4.0) + (5 * A * S / (H * 4)))) + Logits(4), actual);
    }

    [Fact]
    public void Sequence_parallelism_splits_everything_over_the_tensor_ranks()
    {
        var actual = Activations(b => b.Gpus(4).Parallelism(p => p with { Tensor = 4, SequenceParallel = true }).Training(t => t with { GlobalBatchSize = 2 }));

        Assert.Equal((L * S * B * H * ((34 / 4.0) + (5 * A * S / (H * 4)))) + Logits(4), actual);
    }

    [Fact]
    public void A_fused_classifier_keeps_no_fp32_copy_of_the_logits()
    {
        var actual = Activations(b => b.Training(t => t with { Kernels = ElementwiseKernels.Fused }));

        Assert.Equal((L * S * B * H * (34 + (5 * A * S / H))) + (S * B * V * 2), actual);
    }

    [Fact]
    public void Selective_recomputation_drops_the_attention_scores()
    {
        var actual = Activations(b => b.Training(t => t with { ActivationCheckpointing = ActivationCheckpointing.Selective }));

        Assert.Equal((L * S * B * H * 34) + Logits(), actual);
    }

    [Fact]
    public void Full_recomputation_keeps_each_layer_input_and_rebuilds_one_layer()
    {
        var actual = Activations(b => b.Training(t => t with { ActivationCheckpointing = ActivationCheckpointing.Full }));

        Assert.Equal((L * 2 * S * B * H) + (S * B * H * (34 + (5 * A * S / H))) + Logits(), actual);
    }

    [Fact]
    public void The_first_pipeline_stage_holds_p_micro_batches_of_l_over_p_layers()
    {
        // 1F1B: L/p layers × p micro-batches in flight = the activations of all L layers, as without a pipeline.
        var pipelined = Activations(b => b.Gpus(2).Parallelism(p => p with { Pipeline = 2 }));

        Assert.Equal(Activations(b => b), pipelined);
    }

    [Fact]
    public void Fp32_training_stores_4_byte_activations_and_1_byte_masks()
    {
        var actual = Activations(b => b.Training(t => t with { Precision = Precision.Fp32 }));

        // 16 values of h per token at 4 bytes, 2 masks of 1 byte; scores 2 values at 4 bytes + 1 mask byte per a·s.
        Assert.Equal((L * S * B * H * (66 + (9 * A * S / H))) + (S * B * V * 8), actual);
    }

    [Fact]
    public void Swiglu_and_grouped_query_attention_change_the_stored_widths()
    {
        var gqa = Activations(b => b.Model(m => m with { KvHeads = 4, Mlp = MlpKind.SwiGlu, FfnHiddenSize = 2048 }));

        // Unsplit 4·2h + 2 masks; Q and the projection input 2·2h, K and V 2·2·(h/4), SwiGLU inner 3·2·f.
        var perToken = (8 * H) + (2 * H) + (4 * H) + (4 * H / 4) + (6 * 2048) + (5 * A * S);
        Assert.Equal((L * S * B * perToken) + Logits(), gqa);
    }
}
