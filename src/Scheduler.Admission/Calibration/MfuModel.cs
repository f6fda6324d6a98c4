using Scheduler.Domain.Catalog;

namespace Scheduler.Admission.Calibration;

/// <summary>
/// The default MFU when telemetry has not calibrated one: the GPU type's catalog value scaled by model size and GPU
/// count, ln(MFU ÷ catalog) = offset + a·small + b·large + c·log2(GPUs ÷ 8), where small = log10(1e9 ÷ N) below 1B
/// parameters (llm.c's small models keep the tensor cores busy once their memory-bound kernels are priced apart, by
/// <c>ElementwiseTraffic</c>), large = log10(N ÷ 1e9) above (bigger matmuls run closer to peak: Megatron-LM, Korthikanti
/// et al.), and the GPU count term is what large runs lose beyond the element-wise kernels, communication and pipeline
/// bubbles <c>StepTime</c> already prices (stragglers, slower collectives at scale: Llama 3 at 16K GPUs).
/// The parallel layout enters through <c>StepTime</c>, not here. The coefficients are the least-squares fit of
/// <c>MfuFit</c> over docs/benchmarks/data/reference/mfu-measurements.csv (its residuals: docs/benchmarks/estimator.md);
/// a test keeps them equal to a fresh fit.
/// </summary>
public static class MfuModel
{
    public const double Offset = 0.004;

    public const double SmallModelPerDecade = 0.498;

    public const double LargeModelPerDecade = 0.149;

    public const double PerGpuDoubling = -0.010;

    public const double Floor = 0.05;

    public const double Ceiling = 0.8;

    /// <summary>The default MFU for a model with <paramref name="parameters"/> (active) parameters on <paramref name="gpus"/> GPUs.</summary>
    public static double Default(GpuType gpu, double parameters, double gpus)
    {
        ArgumentNullException.ThrowIfNull(gpu);
        var (small, large, scale) = Features(parameters, gpus);
        var log = Offset + (SmallModelPerDecade * small) + (LargeModelPerDecade * large) + (PerGpuDoubling * scale);
        return Math.Clamp(gpu.DefaultMfu * Math.Exp(log), Floor, Ceiling);
    }

    /// <summary>The fit's regressors: decades below and above 1B parameters, and doublings beyond one 8-GPU node.</summary>
    public static (double Small, double Large, double Scale) Features(double parameters, double gpus)
    {
        var n = Math.Max(1, parameters);
        return (Math.Max(0, Math.Log10(1e9 / n)), Math.Max(0, Math.Log10(n / 1e9)), Math.Log2(Math.Max(1, gpus) / 8));
    }
}
