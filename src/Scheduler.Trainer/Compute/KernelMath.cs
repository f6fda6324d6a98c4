using ILGPU;

namespace Scheduler.Trainer.Compute;

/// <summary>
/// exp and log for code that runs in kernels. ILGPU's PTX backend has no instruction for <c>MathF.Exp</c> or
/// <c>MathF.Log</c>: without NVIDIA's libdevice (CUDA toolkit, not in runtime images) or ILGPU.Algorithms, compiling a
/// kernel that calls them fails (found by the offline PTX compilation of make check-cuda). exp2, log2 and sqrt are
/// native (ex2.approx, lg2.approx, sqrt), so exp(x) = 2^(x·log₂e) and log(x) = log₂(x)·ln 2, as CUDA's __expf and __logf.
/// </summary>
internal static class DeviceMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2 = 0.693147180559945309f;

    public static float Exp(float x) => IntrinsicMath.CPUOnly.Exp2(x * Log2E);

    public static float Log(float x) => IntrinsicMath.CPUOnly.Log2(x) * Ln2;
}

/// <summary>
/// GPT-2's tanh GELU in fp32, shared by the managed backend and the ILGPU kernels. tanh is written with exp because
/// ILGPU's PTX backend would need libdevice for hyperbolic functions; exp itself goes through <see cref="DeviceMath"/>.
/// </summary>
internal static class GeluMath
{
    private const float SqrtTwoOverPi = 0.7978845608028654f;
    private const float Coefficient = 0.044715f;

    public static float Forward(float x)
    {
        var u = SqrtTwoOverPi * (x + Coefficient * x * x * x);
        return 0.5f * x * (1f + Tanh(u));
    }

    public static float Derivative(float x)
    {
        var u = SqrtTwoOverPi * (x + Coefficient * x * x * x);
        var tanh = Tanh(u);
        var sech2 = 1f - tanh * tanh;
        return 0.5f * (1f + tanh) + 0.5f * x * sech2 * SqrtTwoOverPi * (1f + 3f * Coefficient * x * x);
    }

    /// <summary>tanh(u) = 1 − 2/(e^{2u} + 1): saturates to ±1 when e^{2u} overflows or underflows.</summary>
    private static float Tanh(float u) => 1f - 2f / (DeviceMath.Exp(2f * u) + 1f);
}

/// <summary>One AdamW element update, shared by the managed backend and the ILGPU kernel.</summary>
internal static class AdamWMath
{
    public static void Update(ref float weight, float gradient, ref float m, ref float v, in AdamWStep s)
    {
        var g = gradient * s.GradientScale;
        m = s.Beta1 * m + (1f - s.Beta1) * g;
        v = s.Beta2 * v + (1f - s.Beta2) * g * g;
        var mHat = m / s.BiasCorrection1;
        var vHat = v / s.BiasCorrection2;
        weight -= s.LearningRate * (mHat / (MathF.Sqrt(vHat) + s.Epsilon) + s.WeightDecay * weight);
    }
}
