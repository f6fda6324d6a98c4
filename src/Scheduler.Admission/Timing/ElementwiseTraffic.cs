using Scheduler.Admission.Memory;
using Scheduler.Admission.Model;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Timing;

/// <summary>
/// The memory-bound work around the matmuls: norms, activations, residual adds and the loss read and write their tensors
/// at memory bandwidth, not at the tensor peak, so MFU alone cannot price them. Their share of a step falls as 1/h (the
/// matmuls grow with h², these with h), which is why small models on standard frameworks reach a lower MFU than the same
/// models with fused kernels (llm.c).
/// Values read plus written per token, forward pass, counted kernel by kernel:
/// <list type="bullet">
/// <item>standard (<see cref="ElementwiseKernels.Standard"/>): two norms 2·2h; the QKV bias, rotary and head split
/// 2·(h + 2·h_kv); two bias-dropout-adds 2·3h; the activation 2·f (bias-GELU) or 3·f (SwiGLU: gate, up, out) per routed
/// expert. The loss: the logits written in the compute dtype, copied to fp32, the log-softmax's max, sum and output,
/// and backward the softmax gradient and its copy back: 3·e + 28 bytes per vocabulary entry;</item>
/// <item>with eager attention (<see cref="AttentionKernel.Unfused"/>) either way, the a·s scores per token: written by QKᵀ,
/// read and rewritten by the softmax, read by the weighting of V, 4·a·s;</item>
/// <item>fused (<see cref="ElementwiseKernels.Fused"/>): residual and norm in one kernel, twice, 2·4h; bias and
/// activation in the matmul epilogue; one classifier kernel that reads the logits and writes their gradient in place:
/// 3·e bytes per vocabulary entry.</item>
/// </list>
/// Backward reads each kernel's saved input and the incoming gradient and writes one gradient: twice the forward. Full
/// recomputation runs the forward once more. Tensor parallelism splits the QKV and MLP part (sequence parallelism the
/// norms and residuals too) and the vocabulary; context parallelism splits the tokens. The busiest pipeline stage's layers
/// and the loss are counted together, as on the last stage. Element-wise kernels reach about <see cref="BandwidthEfficiency"/>
/// of the data-sheet bandwidth (STREAM-like copy kernels on A100 and H100).
/// </summary>
internal static class ElementwiseTraffic
{
    public const double BandwidthEfficiency = 0.8;

    /// <summary>Seconds one GPU spends per step in element-wise kernels; 0 for a GPU type without a memory bandwidth.</summary>
    public static double PerStep(ModelShape shape, TrainingSetup setup, GpuType gpu)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(gpu);
        if (gpu.MemoryBandwidthGBps <= 0)
        {
            return 0;
        }

        // Data parallelism splits the step's sequences, context parallelism each sequence's tokens.
        var tokensPerGpu = (double)setup.GlobalBatch * shape.SeqLength / setup.Replicas;
        var bytes = tokensPerGpu * BytesPerToken(shape, setup);
        // A fraction of a GPU gets that fraction of its bandwidth, as of its FLOPs.
        var share = setup.GpuShare / setup.Gpus;
        return bytes / (gpu.MemoryBandwidthGBps * 1e9 * BandwidthEfficiency * share);
    }

    /// <summary>Bytes one GPU moves per token it trains (forward, backward and recomputation).</summary>
    public static double BytesPerToken(ModelShape shape, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(setup);
        var e = ActivationMemory.ElementBytes(setup.Precision);
        var t = (double)setup.Tensor;
        double h = shape.Hidden;
        var passes = 3.0 + (setup.Recompute == ActivationCheckpointing.Full ? 1 : 0);
        double replicated;
        double split;
        double lossBytesPerEntry;
        if (setup.Kernels == ElementwiseKernels.Fused)
        {
            replicated = 2 * 4 * h;
            split = 0;
            lossBytesPerEntry = 3 * e;
        }
        else
        {
            var activation = (shape.Mlp == MlpKind.SwiGlu ? 3.0 : 2.0) * shape.FfnHidden * shape.ActiveExperts;
            replicated = (2 * 2 * h) + (2 * 3 * h);
            split = (2 * (h + (2.0 * shape.KvHidden))) + activation;
            lossBytesPerEntry = (3 * e) + 28;
        }

        if (setup.Attention == AttentionKernel.Unfused)
        {
            // Eager attention writes the a×s scores of each token, the softmax reads and rewrites them, the weighting of V
            // reads them again; fused kernels keep them in on-chip memory.
            split += 4.0 * shape.Heads * shape.SeqLength;
        }

        var perLayer = e * passes * ((replicated / (setup.SequenceParallel ? t : 1)) + (split / t));
        var layers = ModelStateMemory.LayersPerStage(shape, setup);
        var loss = lossBytesPerEntry * shape.Vocab / t;
        return (perLayer * layers) + loss;
    }
}
