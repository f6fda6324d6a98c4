using Scheduler.Admission.Memory;
using Scheduler.Admission.Model;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Memory;

/// <summary>Fused attention by default, LoRA/QLoRA keeping only what frozen weights need, context parallelism, pipeline schedules, experts.</summary>
public sealed class AttentionAndFrozenWeightsTests
{
    private const double S = 2048, B = 1, H = 1024, A = 16, L = 8, V = 1000;

    private static double Activations(Func<JobSpecBuilder, JobSpecBuilder> change)
    {
        var builder = JobSpecBuilder.AJob()
            .Model(m => m with { Layers = (int)L, HiddenSize = (int)H, Heads = (int)A, VocabSize = (int)V, SeqLength = (int)S })
            .Training(t => t with { MicroBatchSize = (int)B, GlobalBatchSize = 16 });
        var spec = JobSpecNormalizer.Normalize(change(builder).Build());
        return ActivationMemory.PerGpu(ModelShape.From(spec.Model!), TrainingSetup.From(spec));
    }

    private static double Logits(double s = S) => s * B * V * 6;

    [Fact]
    public void Fused_attention_is_the_default_and_keeps_34_sbh_per_layer_without_the_scores()
    {
        Assert.Equal((L * S * B * H * 34) + Logits(), Activations(b => b));
    }

    [Fact]
    public void Unfused_attention_adds_the_softmax_and_dropout_of_the_scores()
    {
        var unfused = Activations(b => b.Training(t => t with { Attention = AttentionKernel.Unfused }));

        Assert.Equal((L * S * B * H * (34 + (5 * A * S / H))) + Logits(), unfused);
    }

    [Fact]
    public void Lora_keeps_no_inputs_of_frozen_matmuls()
    {
        // GELU: norm inputs 2·2h, adapter input 2h and its mask h, Q K V O 2·4h, GELU input 2·4h: 23·h bytes per token.
        var lora = Activations(b => b.Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.Lora, LoraRank = 8 } }));

        Assert.Equal((L * S * B * H * 23) + Logits(), lora);
    }

    [Fact]
    public void Qlora_keeps_the_inputs_bitsandbytes_saves_for_its_4_bit_matmuls()
    {
        var lora = Activations(b => b.Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.Lora, LoraRank = 8 } }));
        var qlora = Activations(b => b.Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.QLora, LoraRank = 8 } }));

        // QKV, output-projection and MLP inputs (3h) and the down-projection input (4h), 2 bytes each.
        Assert.Equal(L * S * B * H * 2 * 7, qlora - lora, 1e-3);
    }

    [Fact]
    public void Context_parallelism_splits_the_sequence_over_its_ranks()
    {
        var split = Activations(b => b.Gpus(2).Parallelism(p => p with { Context = 2, Data = 1 }).Training(t => t with { GlobalBatchSize = 1 }));

        Assert.Equal((L * S / 2 * B * H * 34) + Logits(S / 2), split);
    }

    [Fact]
    public void The_interleaved_schedule_holds_more_micro_batches_in_flight_than_1f1b()
    {
        JobSpecBuilder Pipelined(JobSpecBuilder b, PipelineSchedule schedule, int? virtualStages) =>
            b.Gpus(4).Parallelism(p => p with { Pipeline = 4, Data = 1, PipelineSchedule = schedule, VirtualStages = virtualStages });

        var oneF1B = Activations(b => Pipelined(b, PipelineSchedule.OneForwardOneBackward, null));
        var interleaved = Activations(b => Pipelined(b, PipelineSchedule.Interleaved, 2));

        // 1F1B: 4 micro-batches of 2 layers; interleaved v=2: (1 + 3/8) times the layers' share.
        Assert.Equal((4 * 2 * S * B * H * 34) + Logits(), oneF1B);
        Assert.Equal((4 * 2 * 1.375 * S * B * H * 34) + Logits(), interleaved, 1e-3);
    }

    [Fact]
    public void Uneven_pipeline_stages_price_the_busiest_stage()
    {
        // 8 layers over 3 stages: the first holds 3.
        var uneven = Activations(b => b.Gpus(3).Parallelism(p => p with { Pipeline = 3, Data = 1 }));

        Assert.Equal((3 * 3 * S * B * H * 34) + Logits(), uneven);
    }
}
