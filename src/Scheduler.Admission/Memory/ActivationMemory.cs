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
/// <item>the attention scores, (2·e + 1)·a·s per token: softmax output, dropout mask and dropout output.</item>
/// </list>
/// Sequence parallelism splits the first group too (34/t). Selective recomputation drops the attention scores; full
/// recomputation keeps only each layer's input and rebuilds one layer at a time. The first pipeline stage holds
/// min(p, micro-batches) micro-batches in flight (1F1B schedule), each L/p layers deep. The output logits add
/// s·b·V·(e + 4)/t bytes (compute dtype plus the fp32 copy the loss reads).
/// </summary>
internal static class ActivationMemory
{
    public static double PerGpu(ModelShape shape, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(setup);
        double s = shape.SeqLength;
        double b = setup.MicroBatch;
        var e = ElementBytes(setup.Precision);
        var t = (double)setup.Tensor;
        var layers = ModelStateMemory.LayersPerStage(shape, setup);
        var inFlight = Math.Min(setup.Pipeline, setup.MicroBatchesPerStep);
        var logits = s * b * shape.Vocab * (e + 4) / t;

        var fullLayer = PerTokenPerLayer(shape, setup, e, keepScores: true) * s * b;
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

    private static double PerTokenPerLayer(ModelShape shape, TrainingSetup setup, double e, bool keepScores)
    {
        double h = shape.Hidden;
        double kv = shape.KvHidden;
        double f = shape.FfnHidden;
        var t = (double)setup.Tensor;
        const double dropoutMaskBytes = 1;
        var replicated = (e * (h + h + (2 * h))) + (2 * dropoutMaskBytes * h);
        var mlpInner = (shape.Mlp == MlpKind.SwiGlu ? 3 * f : 2 * f) * shape.ActiveExperts;
        var split = e * (h + (2 * kv) + h + mlpInner);
        var scores = keepScores ? ((2 * e) + dropoutMaskBytes) * shape.Heads * (double)shape.SeqLength : 0;
        return (replicated / (setup.SequenceParallel ? t : 1)) + ((split + scores) / t);
    }
}
