using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;
using Scheduler.Trainer.Tests.Support;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Training;

public sealed class TrainerSpecLoaderTests
{
    public static TheoryData<string, string> UnsupportedSpecs => new()
    {
        { "swiglu", "model.mlp" },
        { "moe", "model.moe" },
        { "encoder", "model.architecture" },
        { "rope", "model.positionEmbedding" },
        { "parameters-only", "model.parameters" },
        { "fp16", "training.precision" },
        { "sgd", "training.optimizer" },
        { "lora", "training.finetune.method" },
        { "tensor-parallel", "parallelism.tensor" },
        { "zero", "parallelism.zeroStage" },
        { "pipeline", "parallelism.pipeline" },
        { "context-parallel", "parallelism.context" },
        { "expert-parallel", "parallelism.expert" },
        { "zero-bubble", "parallelism.pipelineSchedule" },
        { "interleaved", "parallelism.pipelineSchedule" },
        { "virtual-stages", "parallelism.virtualStages" },
        { "sequence-parallel", "parallelism.sequenceParallel" },
        { "offload", "parallelism.offloadOptimizer" },
        { "fused-kernels", "training.kernels" },
        { "invalid-by-validator", "model.hiddenSize" },
    };

    internal static JobSpecBuilder Variant(string name) => name switch
    {
        "swiglu" => TinyJob.Spec().Model(m => m with { Mlp = MlpKind.SwiGlu }),
        "moe" => TinyJob.Spec().Model(m => m with { Moe = new MoeSpec { Experts = 4, ActiveExperts = 2 } }),
        "encoder" => TinyJob.Spec().Model(m => m with { Architecture = ModelArchitecture.Encoder }),
        "rope" => TinyJob.Spec().Model(m => m with { PositionEmbedding = PositionEmbedding.Rope }),
        "parameters-only" => TinyJob.Spec().Model(m => m with { Layers = null, HiddenSize = null, Heads = null, KvHeads = null, Parameters = 1e6 }),
        "fp16" => TinyJob.Spec(precision: Precision.Fp16),
        "sgd" => TinyJob.Spec().Training(t => t with { Optimizer = OptimizerKind.Sgd }),
        "lora" => TinyJob.Spec().Training(t => t with { Finetune = new FinetuneSpec { Method = FinetuneMethod.Lora, LoraRank = 8 } }),
        "tensor-parallel" => TinyJob.Spec().Gpus(2, "H100-SXM").Parallelism(p => p with { Tensor = 2, Data = 1 }),
        "zero" => TinyJob.Spec().Parallelism(p => p with { ZeroStage = 1 }),
        "pipeline" => TinyJob.Spec().Gpus(2, "H100-SXM").Parallelism(p => p with { Pipeline = 2, Data = 1 }),
        "context-parallel" => TinyJob.Spec().Gpus(2, "H100-SXM").Parallelism(p => p with { Context = 2, Data = 1 }),
        "expert-parallel" => TinyJob.Spec().Gpus(2, "H100-SXM").Model(m => m with { Moe = new MoeSpec { Experts = 4, ActiveExperts = 2 } })
            .Parallelism(p => p with { Expert = 2, Data = 2 }),
        "zero-bubble" => TinyJob.Spec().Parallelism(p => p with { PipelineSchedule = PipelineSchedule.ZeroBubble }),
        "interleaved" => TinyJob.Spec().Parallelism(p => p with { PipelineSchedule = PipelineSchedule.Interleaved }),
        "virtual-stages" => TinyJob.Spec().Model(m => m with { Layers = 4 }).Gpus(2, "H100-SXM").Parallelism(p => p with { Pipeline = 2, Data = 1, PipelineSchedule = PipelineSchedule.Interleaved, VirtualStages = 2 }),
        "sequence-parallel" => TinyJob.Spec().Parallelism(p => p with { SequenceParallel = true }),
        "offload" => TinyJob.Spec().Parallelism(p => p with { ZeroStage = 2, OffloadOptimizer = true }),
        "fused-kernels" => TinyJob.Spec().Training(t => t with { Kernels = ElementwiseKernels.Fused }),
        "invalid-by-validator" => TinyJob.Spec().Model(m => m with { HiddenSize = 15 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Theory]
    [MemberData(nameof(UnsupportedSpecs))]
    public void Rejects_what_the_trainer_cannot_run_naming_the_field(string variant, string field)
    {
        var ex = Assert.Throws<SpecRejectedException>(() => TinyJob.Plan(Variant(variant)));
        Assert.Contains(ex.Errors, e => e.Field == field);
        Assert.Contains(field, ex.Message);
    }

    [Fact]
    public void Accepts_the_default_schedule_named_explicitly_and_ignores_what_changes_memory_only()
    {
        var plan = TinyJob.Plan(TinyJob.Spec().Parallelism(p => p with { PipelineSchedule = PipelineSchedule.OneForwardOneBackward, Context = 1, Expert = 1 })
            .Training(t => t with { ActivationCheckpointing = ActivationCheckpointing.Full, Attention = AttentionKernel.Unfused, Kernels = ElementwiseKernels.Standard }));
        Assert.True(plan.TotalSteps > 0);
    }

    [Fact]
    public void Rejects_every_unsupported_field_at_once_so_one_run_names_them_all()
    {
        var ex = Assert.Throws<SpecRejectedException>(() => TinyJob.Plan(TinyJob.Spec().Gpus(4, "H100-SXM")
            .Parallelism(p => p with { Context = 2, Pipeline = 2, Data = 1, PipelineSchedule = PipelineSchedule.ZeroBubble })));
        Assert.Equal(["parallelism.pipeline", "parallelism.context", "parallelism.pipelineSchedule"],
            ex.Errors.Select(e => e.Field).Where(f => f.StartsWith("parallelism.", StringComparison.Ordinal)));
        Assert.StartsWith("invalid spec: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_unknown_fields_like_the_control_plane_does()
    {
        var json = TinyJob.Spec().ToJson().Replace("\"queue\":", "\"qeueu\":1,\"queue\":");
        var ex = Assert.Throws<SpecRejectedException>(() => TrainerSpecLoader.Load(json, GpuCatalog.Default, 1));
        Assert.Contains(ex.Errors, e => e.Field == "qeueu");
    }

    [Fact]
    public void Rejects_a_global_batch_the_ranks_cannot_share()
    {
        var ex = Assert.Throws<SpecRejectedException>(() => TinyJob.Plan(TinyJob.Spec(globalBatch: 4, microBatch: 2), worldSize: 3));
        Assert.Contains(ex.Errors, e => e.Field == "training.globalBatchSize");
    }

    [Fact]
    public void Derives_steps_from_tokens_and_takes_the_first_gpu_alternative_for_the_peak()
    {
        var plan = TinyJob.Plan(TinyJob.Spec()
            .Training(t => t with { Steps = null, Tokens = 1000 })
            .Gpus(1, "A100-80GB|H100-SXM"));
        Assert.Equal(32, plan.TotalSteps); // ceil(1000 / (4 × 8))
        Assert.Equal(312, plan.PeakBf16Tflops);
        Assert.Equal(new Scheduler.Trainer.Model.GptConfig(2, 16, 4, 2, 64, 32, 8, true), plan.Model);
    }

    [Fact]
    public void Learning_rate_warms_up_linearly_then_decays_by_cosine_to_a_tenth()
    {
        var plan = TinyJob.Plan(TinyJob.Spec(steps: 102)) with { WarmupSteps = 2, LearningRate = 1.0 };
        Assert.Equal(0.5, plan.LearningRateAt(0), 12);
        Assert.Equal(1.0, plan.LearningRateAt(1), 12);
        Assert.Equal(1.0, plan.LearningRateAt(2), 12);
        Assert.Equal(0.55, plan.LearningRateAt(52), 12);
        Assert.Equal(0.1, plan.LearningRateAt(102), 12);
    }
}
