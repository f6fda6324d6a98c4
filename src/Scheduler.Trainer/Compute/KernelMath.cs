namespace Scheduler.Trainer.Compute;

/// <summary>
/// GPT-2's tanh GELU in fp32, shared by the managed backend and the ILGPU kernels. tanh is written with exp because
/// ILGPU's PTX backend may need NVIDIA's libdevice (CUDA toolkit, not in runtime images) for hyperbolic functions,
/// while exp, log and sqrt map to native PTX instructions.
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
    private static float Tanh(float u) => 1f - 2f / (MathF.Exp(2f * u) + 1f);
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
