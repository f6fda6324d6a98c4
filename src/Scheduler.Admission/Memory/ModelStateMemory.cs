using Scheduler.Admission.Model;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Memory;

/// <summary>
/// Weights, gradients and optimizer state on the busiest GPU, in bytes. Tensor parallelism splits every matrix t ways;
/// pipeline parallelism gives each stage L/p blocks, and the first (last) stage also holds the input embedding (output
/// head). ZeRO (Rajbhandari et al. 2020) then splits over the data-parallel degree: stage 1 the optimizer state, stage 2
/// also the gradients, stage 3 also the weights. Stage 3 gathers the weights one block at a time; the two blocks in
/// flight (current and prefetched) are returned apart as <c>GatherBuffer</c>, a working buffer rather than model state.
/// Context-parallel ranks hold the same weights as data-parallel ones, so ZeRO shards over data × context. Expert
/// parallelism gives each rank experts ÷ e of every MoE layer; ZeRO then shards them over the (data × context ÷ e) ranks
/// that hold the same experts, which leaves the sharded share as it was.
/// Uneven pipelines: the busiest stage has ⌈L/p⌉ layers.
/// </summary>
internal static class ModelStateMemory
{
    public static ModelState PerGpu(ModelShape shape, ParameterCount parameters, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(setup);
        var stageFraction = LayersPerStage(shape, setup) / (double)shape.Layers;
        var onGpu = ParametersOnGpu(shape, parameters, setup);
        var whole = setup.Expert == 1 ? onGpu : ParametersOnGpu(shape, parameters, setup with { Expert = 1 });
        var bytes = BytesPerParameter.For(setup.Precision, setup.Optimizer, shape.Hidden);
        var d = (double)setup.Replicas;
        var zero = setup.ZeroStage;
        var gatheredBlocks = zero >= 3 && d > 1 ? 2 * parameters.PerLayer / setup.Tensor : 0;
        var frozenBytes = BytesPerParameter.FrozenWeight(setup.Precision);

        if (!setup.IsLowRank)
        {
            return new ModelState(
                (zero >= 3 ? whole / d : onGpu) * bytes.Weight,
                (zero >= 2 ? whole / d : onGpu) * bytes.Gradient,
                setup.OffloadOptimizer ? 0 : (zero >= 1 ? whole / d : onGpu) * bytes.Optimizer,
                gatheredBlocks * bytes.Weight);
        }

        // LoRA / QLoRA: the base is frozen (no gradients, no optimizer state); only the adapters train.
        var adapters = TrainableOnGpu(shape, parameters, setup);
        var linear = parameters.QuantizableLinear * stageFraction / setup.Tensor;
        var baseBytes = setup.Method == FinetuneMethod.QLora
            ? (linear * BytesPerParameter.Nf4Weight) + ((onGpu - linear) * frozenBytes)
            : onGpu * frozenBytes;
        return new ModelState(
            (baseBytes / (zero >= 3 ? d : 1)) + (adapters * bytes.Weight),
            adapters * bytes.Gradient / (zero >= 2 ? d : 1),
            setup.OffloadOptimizer ? 0 : adapters * bytes.Optimizer / (zero >= 1 ? d : 1),
            gatheredBlocks * frozenBytes);
    }

    /// <summary>Parameters (trained or frozen) held by the busiest GPU before ZeRO: its stage's blocks and embeddings, over t.</summary>
    public static double ParametersOnGpu(ModelShape shape, ParameterCount parameters, TrainingSetup setup)
    {
        var outside = setup.Pipeline == 1
            ? parameters.InputEmbedding + parameters.OutputHead + parameters.FinalNorm
            : Math.Max(parameters.InputEmbedding, parameters.HeadMatmul + parameters.FinalNorm);
        var expertShare = parameters.ExpertsPerLayer * (1 - (1.0 / Math.Max(1, setup.Expert)));
        return (((parameters.PerLayer - expertShare) * LayersPerStage(shape, setup)) + outside) / setup.Tensor;
    }

    /// <summary>Parameters the busiest GPU updates: all of its share, or its share of the LoRA adapters.</summary>
    public static double TrainableOnGpu(ModelShape shape, ParameterCount parameters, TrainingSetup setup) =>
        setup.IsLowRank
            ? parameters.LoraAdapters * LayersPerStage(shape, setup) / shape.Layers / setup.Tensor
            : ParametersOnGpu(shape, parameters, setup);

    public static int LayersPerStage(ModelShape shape, TrainingSetup setup) =>
        (shape.Layers + setup.Pipeline - 1) / setup.Pipeline;
}
