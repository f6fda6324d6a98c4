using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Model;

/// <summary>The training and parallelism choices of a normalised spec, with nothing left null.</summary>
internal sealed record TrainingSetup(
    int Gpus,
    int? GpuMilli,
    int GpusPerNode,
    int Data,
    int Tensor,
    int Pipeline,
    int ZeroStage,
    bool SequenceParallel,
    bool OffloadOptimizer,
    int MicroBatch,
    int GlobalBatch,
    Precision Precision,
    OptimizerKind Optimizer,
    ActivationCheckpointing Recompute,
    FinetuneMethod Method,
    int LoraRank,
    double? Tokens,
    long? Steps)
{
    /// <summary>Context-parallel degree: each rank holds seqLength ÷ context tokens of a sequence.</summary>
    public int Context { get; init; } = 1;

    /// <summary>Expert-parallel degree: the experts of each MoE layer are split over this many data-parallel ranks.</summary>
    public int Expert { get; init; } = 1;

    public PipelineSchedule Schedule { get; init; } = PipelineSchedule.OneForwardOneBackward;

    /// <summary>Layer chunks per pipeline stage (interleaved schedule); 1 otherwise.</summary>
    public int VirtualStages { get; init; } = 1;

    public AttentionKernel Attention { get; init; } = AttentionKernel.Fused;

    public ElementwiseKernels Kernels { get; init; } = ElementwiseKernels.Standard;

    /// <summary>The job has no <c>container.image</c>: the bundled trainer runs it (its memory: <c>BundledTrainerMemory</c>).</summary>
    public bool BundledTrainer { get; init; }

    /// <summary>GPUs the job occupies, a fraction of one with <c>gpuMilli</c>.</summary>
    public double GpuShare => GpuMilli is { } milli ? milli / 1000.0 : Gpus;

    /// <summary>Ranks that hold a replica of the same weights: data × context (both all-reduce gradients; ZeRO shards over both).</summary>
    public int Replicas => (int)Math.Min(int.MaxValue, (long)Data * Context);

    /// <summary>Micro-batches per optimizer step on one pipeline (gradient accumulation steps); long arithmetic, user numbers.</summary>
    public int MicroBatchesPerStep => (int)Math.Clamp(GlobalBatch / Math.Max(1L, (long)MicroBatch * Data), 1, int.MaxValue);

    public bool IsLowRank => Method is FinetuneMethod.Lora or FinetuneMethod.QLora;

    /// <summary>Reads a spec that went through <see cref="JobSpecNormalizer"/>; tolerates missing optional members the same way.</summary>
    public static TrainingSetup From(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var resources = spec.Resources ?? throw new ArgumentException("resources is required", nameof(spec));
        var training = spec.Training ?? throw new ArgumentException("training is required", nameof(spec));
        var parallelism = spec.Parallelism ?? new ParallelismSpec();
        var gpus = resources.Gpus ?? 1;
        var tensor = parallelism.Tensor ?? 1;
        var pipeline = parallelism.Pipeline ?? 1;
        var context = parallelism.Context ?? 1;
        var data = parallelism.Data ?? (int)Math.Max(1, gpus / ((long)tensor * pipeline * context));
        var micro = training.MicroBatchSize ?? 1;
        var schedule = parallelism.PipelineSchedule ?? PipelineSchedule.OneForwardOneBackward;
        return new TrainingSetup(
            gpus,
            resources.GpuMilli,
            resources.GpusPerNode ?? Math.Min(gpus, JobSpecNormalizer.MaxGpusPerNode),
            data,
            tensor,
            pipeline,
            parallelism.ZeroStage ?? 0,
            parallelism.SequenceParallel ?? false,
            parallelism.OffloadOptimizer ?? false,
            micro,
            training.GlobalBatchSize ?? (int)Math.Min(int.MaxValue, (long)micro * data),
            training.Precision ?? Precision.Bf16,
            training.Optimizer ?? OptimizerKind.AdamW,
            training.ActivationCheckpointing ?? ActivationCheckpointing.None,
            training.Finetune?.Method ?? FinetuneMethod.Full,
            training.Finetune?.LoraRank ?? 0,
            training.Tokens,
            training.Steps)
        {
            Context = context,
            Expert = parallelism.Expert ?? 1,
            Schedule = schedule,
            VirtualStages = schedule == PipelineSchedule.Interleaved ? parallelism.VirtualStages ?? 2 : 1,
            Attention = training.Attention ?? AttentionKernel.Fused,
            Kernels = training.Kernels ?? ElementwiseKernels.Standard,
            BundledTrainer = spec.Container?.Image is null,
        };
    }
}
