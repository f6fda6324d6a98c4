using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Memory;

/// <summary>
/// Bytes each trainable parameter costs by precision and optimizer (Rajbhandari et al. 2020, §3.1: mixed-precision Adam
/// keeps 2 + 2 bytes of 16-bit weights and gradients and K = 12 bytes of fp32 master weights, momentum and variance).
/// </summary>
/// <param name="Weight">The working copy the forward pass reads.</param>
/// <param name="Gradient">The gradient the backward pass writes.</param>
/// <param name="Optimizer">Master weights plus optimizer state (K in the ZeRO paper).</param>
internal sealed record BytesPerParameter(double Weight, double Gradient, double Optimizer)
{
    /// <summary>Transformer Engine keeps an fp8 copy of each weight next to the 16-bit one.</summary>
    private const double Fp8WeightCache = 1;

    /// <summary>
    /// 8-bit Adam (Dettmers et al. 2022): two 1-byte states per parameter, block-wise quantisation constants (one fp32 per
    /// 2,048 values) on top.
    /// </summary>
    private const double EightBitAdamStates = 2 + (2 * 4.0 / 2048);

    public static BytesPerParameter For(Precision precision, OptimizerKind optimizer, int hiddenSize)
    {
        var (weight, gradient, master, stateElement) = precision switch
        {
            Precision.Fp32 => (4.0, 4.0, 0.0, 4.0),
            Precision.Bf16Pure => (2.0, 2.0, 0.0, 2.0),
            Precision.Fp8 => (2.0 + Fp8WeightCache, 2.0, 4.0, 4.0),
            _ => (2.0, 2.0, 4.0, 4.0),
        };
        var states = optimizer switch
        {
            OptimizerKind.Adam or OptimizerKind.AdamW => 2 * stateElement,
            OptimizerKind.SgdMomentum => stateElement,
            OptimizerKind.Sgd => 0,
            // Shazeer & Stern 2018: the second moment of an m×n matrix is factored into m + n values; no momentum.
            OptimizerKind.Adafactor => stateElement * 2.0 / Math.Max(1, hiddenSize),
            OptimizerKind.AdamW8Bit => EightBitAdamStates,
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, "unknown optimizer"),
        };
        return new BytesPerParameter(weight, gradient, master + states);
    }

    /// <summary>Bytes of a frozen base weight: 16-bit for LoRA (fp32 in fp32 training), NF4 with double quantisation for QLoRA.</summary>
    public static double FrozenWeight(Precision precision) => precision == Precision.Fp32 ? 4 : 2;

    /// <summary>
    /// QLoRA (Dettmers et al. 2023): 4-bit NormalFloat, one 8-bit constant per block of 64 and one fp32 constant per 256
    /// blocks, 4 + 8/64 + 32/(64·256) = 4.127 bits per parameter.
    /// </summary>
    public const double Nf4Weight = (4 + (8.0 / 64) + (32.0 / (64 * 256))) / 8;
}
