using System.Reflection;
using ILGPU;
using Scheduler.Trainer.Compute.Ilgpu;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>Implicitly grouped kernels take an <see cref="Index1D"/> and get their group size from ILGPU; explicitly grouped ones a <see cref="KernelConfig"/>.</summary>
internal enum KernelGrouping
{
    Implicit,
    Explicit,
}

/// <summary>One kernel as the CUDA backend loads it, and the precision paths that launch it.</summary>
internal sealed record CudaKernel(string Name, MethodInfo Method, KernelGrouping Grouping, string Paths)
{
    public override string ToString() => Name;
}

/// <summary>
/// Every kernel the trainer's CUDA backend launches (<c>IlgpuOps</c> and <c>CublasGemm</c>), grouped as they are loaded there.
/// The kernels have no generic or <c>SpecializedValue</c> parameters, so one compilation per kernel covers both precision
/// paths; bf16 adds the conversion kernel in front of cuBLAS. A test checks the list against the kernel classes.
/// </summary>
internal static class CudaKernelCatalog
{
    private const string Both = "fp32, bf16";

    public static IReadOnlyList<CudaKernel> All { get; } =
    [
        Implicit(nameof(IlgpuKernels.Fill), Both),
        Implicit(nameof(IlgpuKernels.Add), Both),
        Implicit(nameof(IlgpuKernels.EmbeddingForward), Both),
        Implicit(nameof(IlgpuKernels.EmbeddingBackward), Both),
        Explicit(nameof(IlgpuRowKernels.LayerNormForward), Both),
        Explicit(nameof(IlgpuRowKernels.LayerNormBackwardInput), Both),
        Implicit(nameof(IlgpuKernels.LayerNormBackwardParameterPartials), Both),
        Implicit(nameof(IlgpuKernels.LayerNormBackwardParameters), Both),
        Implicit(nameof(IlgpuKernels.SplitQkv), Both),
        Implicit(nameof(IlgpuKernels.PermuteHeads), Both),
        Explicit(nameof(IlgpuRowKernels.CausalSoftmax), Both),
        Explicit(nameof(IlgpuRowKernels.CausalSoftmaxBackward), Both),
        Implicit(nameof(IlgpuKernels.Gelu), Both),
        Implicit(nameof(IlgpuKernels.GeluBackward), Both),
        Explicit(nameof(IlgpuRowKernels.CrossEntropy), Both),
        Implicit(nameof(IlgpuKernels.AdamW), Both),
        Implicit(nameof(IlgpuKernels.SumOfSquaresPartial), Both),
        Implicit(nameof(IlgpuKernels.ToBf16), "bf16"),
        // The fallback GEMM runs only where cuBLAS is absent (the CPU emulator); compiled too so a CUDA build without
        // cuBLAS would not meet a kernel that never assembled.
        Implicit(nameof(IlgpuKernels.Gemm), "fallback (fp32, bf16)"),
    ];

    /// <summary>The public kernel entry points of the kernel classes: what <see cref="All"/> must cover.</summary>
    public static IEnumerable<string> Declared() =>
        new[] { typeof(IlgpuKernels), typeof(IlgpuRowKernels) }
            .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(method => method.ReturnType == typeof(void))
            .Select(method => method.Name);

    private static CudaKernel Implicit(string name, string paths) =>
        new(name, Method(typeof(IlgpuKernels), name), KernelGrouping.Implicit, paths);

    private static CudaKernel Explicit(string name, string paths) =>
        new(name, Method(typeof(IlgpuRowKernels), name), KernelGrouping.Explicit, paths);

    private static MethodInfo Method(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.Static) ?? throw new InvalidOperationException($"{type.Name}.{name} not found");
}
