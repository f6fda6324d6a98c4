using Scheduler.Admission.Model;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Memory;

/// <summary>
/// Activations kept for the backward pass on the busiest GPU, in bytes, after Korthikanti et al. 2022 ("Reducing
/// Activation Recomputation in Large Transformer Models", §4): per layer s·b·h·(34 + 5·a·s/h) bytes with 16-bit
/// activations, generalised here to grouped-query attention, any FFN width, SwiGLU and fp32 activations:
/// <list type="bullet">
/// <item>kept whole on every tensor rank: the two norm inputs, the inputs of the QKV and first MLP matmuls (e bytes per value), two dropout masks (1 byte);</item>
/// <item>split over the tensor ranks: Q, K, V and the output-projection input, the MLP's inner activations (2·f for GELU, 3·f for SwiGLU; × routed experts);</item>
/// <item>the attention scores, (2·e + 1)·a·s per token: softmax output, dropout mask and dropout output — only with the
/// unfused attention kernel; fused kernels (FlashAttention, PyTorch SDPA, the default) recompute them in the backward pass.</item>
/// </list>
/// Frozen weights (LoRA, QLoRA) need no weight gradient, so the inputs of frozen matmuls are not kept: only the norm
/// inputs, the adapters' input and dropout mask, Q/K/V/O for attention's backward and what the activation functions
/// need (GELU its input, SwiGLU the gate, its SiLU and the up projection). bitsandbytes' 4-bit matmul keeps its input
/// anyway, so QLoRA adds the inputs of the QKV, output-projection, MLP and down-projection matmuls back.
/// Sequence parallelism splits the first group too (34/t); context parallelism splits the sequence (s/c per rank).
/// Selective recomputation drops the attention scores; full recomputation keeps only each layer's input and rebuilds one
/// layer at a time. The first pipeline stage holds min(p, micro-batches) micro-batches in flight (1F1B and zero-bubble
/// ZB-H1), each ⌈L/p⌉ layers deep; the interleaved schedule holds (1 + (p−1)/(p·v)) times that (Narayanan et al. 2021).
/// The output logits add s·b·V·(e + 4)/t bytes (compute dtype plus the fp32 copy the loss reads), s·b·V·e/t with a fused
/// classifier (<see cref="ElementwiseKernels.Fused"/>).
/// </summary>
internal static class ActivationMemory
{
    public static double PerGpu(ModelShape shape, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(setup);
        double s = shape.SeqLength / (double)Math.Max(1, setup.Context);
        double b = setup.MicroBatch;
        var e = ElementBytes(setup.Precision);
        var t = (double)setup.Tensor;
        var layers = ModelStateMemory.LayersPerStage(shape, setup);
        var inFlight = Math.Min(setup.Pipeline, setup.MicroBatchesPerStep) * InterleaveFactor(setup);
        // A fused classifier (kernels: fused) computes the loss from the logits in place, without an fp32 copy.
        var logits = s * b * shape.Vocab * (e + (setup.Kernels == ElementwiseKernels.Fused ? 0 : 4)) / t;

        var keepScores = setup.Attention == AttentionKernel.Unfused;
        var fullLayer = PerTokenPerLayer(shape, setup, e, keepScores) * s * b;
        var stored = setup.Recompute switch
        {
            ActivationCheckpointing.Full => (e * shape.Hidden / (setup.SequenceParallel ? t : 1) * s * b * layers * inFlight) + fullLayer,
            ActivationCheckpointing.Selective => PerTokenPerLayer(shape, setup, e, keepScores: false) * s * b * layers * inFlight,
            _ => fullLayer * layers * inFlight,
        };
        return stored + logits;
    }

    /// <summary>Bytes of one stored activation value: fp32 training keeps fp32 activations, every other precision 16-bit ones.</summary>
    public static double ElementBytes(Precision precision) => precision == Precision.Fp32 ? 4 : 2;

    /// <summary>
    /// The interleaved schedule's first stage runs ahead by (p−1)/(p·v) more micro-batches' worth of chunks
    /// (Narayanan et al. 2021 §2.2.2; Korthikanti et al. 2022 §4.2.3).
    /// </summary>
    private static double InterleaveFactor(TrainingSetup setup) =>
        setup.Schedule == PipelineSchedule.Interleaved && setup.Pipeline > 1
            ? 1 + ((setup.Pipeline - 1.0) / (setup.Pipeline * (double)Math.Max(1, setup.VirtualStages)))
            : 1;

    private static double PerTokenPerLayer(ModelShape shape, TrainingSetup setup, double e, bool keepScores)
    {
        double h = shape.Hidden;
        double kv = shape.KvHidden;
        double f = shape.FfnHidden;
        double k = shape.ActiveExperts;
        var t = (double)setup.Tensor;
        const double dropoutMaskBytes = 1;
        double replicated;
        double split;
        if (setup.IsLowRank)
        {
            // Two norm inputs, the adapters' (dropped-out) input and its mask; attention's Q, K, V and output.
            replicated = (e * (h + h + h)) + (dropoutMaskBytes * h);
            var activation = shape.Mlp == MlpKind.SwiGlu ? 3 * f : f;
            split = e * (h + (2 * kv) + h + (activation * k));
            if (setup.Method == FinetuneMethod.QLora)
            {
                // bitsandbytes' MatMul4Bit saves its input for every quantised matmul: the QKV, output-projection,
                // MLP and down-projection inputs.
                split += e * (h + h + h + (f * k));
            }
        }
        else
        {
            replicated = (e * (h + h + (2 * h))) + (2 * dropoutMaskBytes * h);
            var mlpInner = (shape.Mlp == MlpKind.SwiGlu ? 3 * f : 2 * f) * k;
            split = e * (h + (2 * kv) + h + mlpInner);
        }

        if (shape.IsMoe)
        {
            // Router logits (fp32) and the all-to-all send and receive buffers of the k routed copies of each token.
            split += (4.0 * shape.Experts) + (e * 2 * k * h);
        }

        var scores = keepScores ? ((2 * e) + dropoutMaskBytes) * shape.Heads * (double)shape.SeqLength : 0;
        return (replicated / (setup.SequenceParallel ? t : 1)) + ((split + scores) / t);
    }
}
