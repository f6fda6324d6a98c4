using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using Scheduler.Trainer.Model;

namespace Scheduler.Trainer.Training;

/// <summary>The spec cannot be run: the field and the rule, for the exit-64 message.</summary>
internal sealed class SpecRejectedException(IReadOnlyList<FieldError> errors)
    : Exception("invalid spec: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;
}

/// <summary>
/// Reads a job spec the way the control plane does (same parser, validator and normaliser), then rejects what this
/// trainer cannot train, naming the field.
/// </summary>
internal static class TrainerSpecLoader
{
    public static TrainingPlan Load(string json, GpuCatalog catalog, int worldSize)
    {
        var (spec, parseError) = JobSpecJson.Parse(json);
        if (parseError is not null)
        {
            throw new SpecRejectedException([parseError]);
        }

        var errors = new JobSpecValidator(catalog, PriorityClasses.Default).Check(spec!);
        if (errors.Count > 0)
        {
            throw new SpecRejectedException(errors);
        }

        var normalized = JobSpecNormalizer.Normalize(spec!);
        var unsupported = Unsupported(normalized, worldSize).ToList();
        if (unsupported.Count > 0)
        {
            throw new SpecRejectedException(unsupported);
        }

        var m = normalized.Model!;
        var model = new GptConfig(m.Layers!.Value, m.HiddenSize!.Value, m.Heads!.Value, m.KvHeads!.Value, m.FfnHiddenSize!.Value,
            m.VocabSize!.Value, m.SeqLength!.Value, m.TiedEmbeddings!.Value);
        var gpuType = catalog.Get(GpuCatalog.SplitAlternatives(normalized.Resources!.GpuType!)[0]);
        return TrainingPlan.From(normalized, model, gpuType.Bf16Tflops);
    }

    private static IEnumerable<FieldError> Unsupported(JobSpec s, int worldSize)
    {
        var m = s.Model!;
        var t = s.Training!;
        var p = s.Parallelism!;
        if (m.Layers is null || m.HiddenSize is null || m.Heads is null)
        {
            yield return new FieldError("model.parameters", "the trainer needs model.layers, model.hiddenSize and model.heads, not only a parameter count");
        }

        if (m.Architecture != ModelArchitecture.Decoder)
        {
            yield return new FieldError("model.architecture", "the bundled trainer trains decoder models only");
        }

        if (m.Mlp != MlpKind.Gelu)
        {
            yield return new FieldError("model.mlp", "the bundled trainer supports gelu only");
        }

        if (m.PositionEmbedding != PositionEmbedding.Learned)
        {
            yield return new FieldError("model.positionEmbedding", "the bundled trainer supports learned position embeddings only");
        }

        if (m.Moe is not null)
        {
            yield return new FieldError("model.moe", "the bundled trainer does not train mixtures of experts");
        }

        if (t.Precision is not (Precision.Fp32 or Precision.Bf16))
        {
            yield return new FieldError("training.precision", "the bundled trainer supports fp32 and bf16 (mixed) only");
        }

        if (t.Optimizer != OptimizerKind.AdamW)
        {
            yield return new FieldError("training.optimizer", "the bundled trainer supports adamw only");
        }

        if (t.Finetune!.Method != FinetuneMethod.Full)
        {
            yield return new FieldError("training.finetune.method", "the bundled trainer does full training only");
        }

        if (p.Tensor != 1)
        {
            yield return new FieldError("parallelism.tensor", "the bundled trainer is data-parallel only (tensor must be 1)");
        }

        if (p.Pipeline != 1)
        {
            yield return new FieldError("parallelism.pipeline", "the bundled trainer is data-parallel only (pipeline must be 1)");
        }

        if (p.ZeroStage != 0)
        {
            yield return new FieldError("parallelism.zeroStage", "the bundled trainer replicates optimizer state (zeroStage must be 0)");
        }

        // Fields the estimator prices and only a user's image (container.image) can honour: refused rather than ignored,
        // so a job never runs with a layout other than the one it was admitted and priced for (docs/trainer.md).
        if (p.Context is > 1)
        {
            yield return new FieldError("parallelism.context", "the bundled trainer is data-parallel only (context must be 1); context parallelism needs a container.image that implements it");
        }

        if (p.Expert is > 1)
        {
            yield return new FieldError("parallelism.expert", "the bundled trainer is data-parallel only (expert must be 1); expert parallelism needs a container.image that implements it");
        }

        if (p.PipelineSchedule is { } schedule && schedule != PipelineSchedule.OneForwardOneBackward)
        {
            yield return new FieldError("parallelism.pipelineSchedule", "the bundled trainer has no pipeline, so no interleaved or zero-bubble schedule; leave it out or use a container.image");
        }

        if (p.VirtualStages is > 1)
        {
            yield return new FieldError("parallelism.virtualStages", "the bundled trainer has no pipeline (virtualStages must be 1)");
        }

        if (p.SequenceParallel == true)
        {
            yield return new FieldError("parallelism.sequenceParallel", "the bundled trainer has no tensor parallelism to shard activations over (sequenceParallel must be false)");
        }

        if (t.Kernels == ElementwiseKernels.Fused)
        {
            yield return new FieldError("training.kernels", "the bundled trainer runs separate norm, activation and loss kernels (kernels must be standard); fused kernels need a container.image that has them");
        }

        if (p.OffloadOptimizer == true)
        {
            yield return new FieldError("parallelism.offloadOptimizer", "the bundled trainer keeps optimizer state on the device (offloadOptimizer must be false)");
        }

        if (t.GlobalBatchSize % (t.MicroBatchSize * worldSize) != 0)
        {
            yield return new FieldError("training.globalBatchSize", $"must be a multiple of training.microBatchSize × WORLD_SIZE ({worldSize})");
        }
    }
}
