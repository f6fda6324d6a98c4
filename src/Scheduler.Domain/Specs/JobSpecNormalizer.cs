namespace Scheduler.Domain.Specs;

/// <summary>
/// Fills every optional member with its documented default so that stored specs are explicit. Call only on a spec that
/// passed <see cref="JobSpecValidator"/>. The priority class is left as given: its default comes from the queue.
/// </summary>
public static class JobSpecNormalizer
{
    public const int DefaultVocabSize = 32000;
    public const int DefaultSeqLength = 2048;
    public const int DefaultCheckpointInterval = 500;
    public const int MaxGpusPerNode = 8;

    public static JobSpec Normalize(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var model = NormalizeModel(spec.Model!);
        var resources = spec.Resources!;
        var gpus = resources.Gpus!.Value;
        var parallelism = spec.Parallelism ?? new ParallelismSpec();
        var tensor = parallelism.Tensor ?? 1;
        var pipeline = parallelism.Pipeline ?? 1;
        var data = parallelism.Data ?? Math.Max(1, gpus / (tensor * pipeline * (parallelism.Context ?? 1)));
        var training = spec.Training!;
        var micro = training.MicroBatchSize ?? 1;
        var finetune = training.Finetune ?? new FinetuneSpec();

        return spec with
        {
            Model = model,
            Training = training with
            {
                MicroBatchSize = micro,
                GlobalBatchSize = training.GlobalBatchSize ?? micro * data,
                Precision = training.Precision ?? Precision.Bf16,
                Optimizer = training.Optimizer ?? OptimizerKind.AdamW,
                ActivationCheckpointing = training.ActivationCheckpointing ?? ActivationCheckpointing.None,
                Finetune = finetune with { Method = finetune.Method ?? FinetuneMethod.Full },
                LearningRate = training.LearningRate ?? 3e-4,
                WarmupSteps = training.WarmupSteps ?? 0,
                WeightDecay = training.WeightDecay ?? 0.1,
                GradientClip = training.GradientClip ?? 1.0,
                Seed = training.Seed ?? 1234,
            },
            Parallelism = parallelism with
            {
                Data = data,
                Tensor = tensor,
                Pipeline = pipeline,
                ZeroStage = parallelism.ZeroStage ?? 0,
                SequenceParallel = parallelism.SequenceParallel ?? false,
                OffloadOptimizer = parallelism.OffloadOptimizer ?? false,
            },
            Resources = resources with
            {
                GpuType = string.Join('|', Catalog.GpuCatalog.SplitAlternatives(resources.GpuType!)),
                GpusPerNode = resources.GpusPerNode ?? Math.Min(gpus, MaxGpusPerNode),
            },
            Checkpoint = (spec.Checkpoint ?? new CheckpointSpec()) with
            {
                IntervalSteps = spec.Checkpoint?.IntervalSteps ?? DefaultCheckpointInterval,
            },
            Array = spec.Array is { } array ? array with { Parallelism = array.Parallelism ?? array.Count } : null,
            Topology = spec.Topology is { } topology ? topology with { Mode = topology.Mode ?? TopologyMode.Required } : null,
        };
    }

    private static ModelSpec NormalizeModel(ModelSpec model)
    {
        var mlp = model.Mlp ?? MlpKind.Gelu;
        var normalized = model with
        {
            Architecture = model.Architecture ?? ModelArchitecture.Decoder,
            Mlp = mlp,
            PositionEmbedding = model.PositionEmbedding ?? PositionEmbedding.Learned,
            VocabSize = model.VocabSize ?? DefaultVocabSize,
            SeqLength = model.SeqLength ?? DefaultSeqLength,
            TiedEmbeddings = model.TiedEmbeddings ?? false,
        };

        if (model.HiddenSize is not { } hidden || model.Heads is not { } heads)
        {
            return normalized;
        }

        var ffn = model.FfnHiddenSize ?? DefaultFfnHiddenSize(mlp, hidden);
        return normalized with
        {
            KvHeads = model.KvHeads ?? heads,
            FfnHiddenSize = ffn,
            Moe = model.Moe is null ? null : model.Moe with { ExpertFfnHiddenSize = model.Moe.ExpertFfnHiddenSize ?? ffn },
        };
    }

    /// <summary>4·h for a GELU MLP; for SwiGLU ⅔ of that, rounded up to a multiple of 256 (LLaMA's rule, 4096 → 11008).</summary>
    public static int DefaultFfnHiddenSize(MlpKind mlp, int hiddenSize) => mlp switch
    {
        MlpKind.SwiGlu => (int)(Math.Ceiling(8.0 * hiddenSize / 3.0 / 256.0) * 256),
        _ => 4 * hiddenSize,
    };
}
