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
    /// <summary>GPUs the job occupies, a fraction of one with <c>gpuMilli</c>.</summary>
    public double GpuShare => GpuMilli is { } milli ? milli / 1000.0 : Gpus;

    /// <summary>Micro-batches per optimizer step on one pipeline (gradient accumulation steps).</summary>
    public int MicroBatchesPerStep => (int)Math.Max(1, GlobalBatch / ((long)MicroBatch * Data));

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
        var data = parallelism.Data ?? Math.Max(1, gpus / (tensor * pipeline));
        var micro = training.MicroBatchSize ?? 1;
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
            training.GlobalBatchSize ?? micro * data,
            training.Precision ?? Precision.Bf16,
            training.Optimizer ?? OptimizerKind.AdamW,
            training.ActivationCheckpointing ?? ActivationCheckpointing.None,
            training.Finetune?.Method ?? FinetuneMethod.Full,
            training.Finetune?.LoraRank ?? 0,
            training.Tokens,
            training.Steps);
    }
}
