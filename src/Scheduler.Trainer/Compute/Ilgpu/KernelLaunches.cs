using ILGPU;

namespace Scheduler.Trainer.Compute.Ilgpu;

/// <summary>
/// The launch geometry of every <see cref="ITensorOps"/> call on the ILGPU backends, in one place so the CUDA launch-plan
/// check (make check-cuda) evaluates exactly what <see cref="IlgpuOps"/> launches. Implicitly grouped kernels get an
/// extent (ILGPU picks their group size by occupancy, at most 1024); the row kernels a grid of one group per row.
/// ILGPU's launch index is 32-bit: an extent past int.MaxValue is refused here rather than wrapping.
/// </summary>
internal static class KernelLaunches
{
    /// <summary>
    /// Threads of <see cref="IlgpuKernels.SumOfSquaresPartial"/>, each summing a strided share in double; the host adds the
    /// partials. Half a wave of an H100 (132 × 2048 resident threads), so each thread walks ~1,000 elements of GPT-2 small
    /// rather than ~120,000 (1,024 threads left the GPU 0.4% busy for the step's whole global norm).
    /// </summary>
    public const int SumParts = 131072;

    /// <summary>Rows per chunk of <see cref="IlgpuKernels.LayerNormBackwardParameterPartials"/>.</summary>
    public const int LayerNormChunkRows = 64;

    public static int LayerNormChunks(int rows) => (rows + LayerNormChunkRows - 1) / LayerNormChunkRows;

    /// <summary>Floats of the partial-sum scratch the layernorm parameter gradients need: chunks × (gain, bias) × channels.</summary>
    public static long LayerNormPartialFloats(int rows, int channels) => (long)LayerNormChunks(rows) * 2 * channels;

    public static int LayerNormParameterPartials(int rows, int channels) =>
        Elementwise((long)LayerNormChunks(rows) * channels, nameof(IlgpuKernels.LayerNormBackwardParameterPartials));

    /// <summary>Row-kernel group size on ILGPU's CPU emulator, where every barrier synchronises OS threads.</summary>
    public const int EmulatorRowGroupSize = 4;

    public static int Elementwise(long elements, string kernel) =>
        elements is >= 0 and <= int.MaxValue
            ? (int)elements
            : throw new InvalidOperationException($"{kernel}: {elements} threads exceed ILGPU's 32-bit launch index; use a smaller micro-batch");

    public static int EmbeddingForward(int batch, int length, int channels) =>
        Elementwise((long)batch * length * channels, nameof(IlgpuKernels.EmbeddingForward));

    /// <summary>One thread per channel, rows in order (deterministic without atomics).</summary>
    public static int PerChannel(int channels) => channels;

    public static int SplitQkv(int batch, int length, int heads, int kvHeads, int headDim) =>
        Elementwise((long)batch * length * (heads + 2 * kvHeads) * headDim, nameof(IlgpuKernels.SplitQkv));

    public static int PermuteHeads(int batch, int length, int heads, int headDim) =>
        Elementwise((long)batch * length * heads * headDim, nameof(IlgpuKernels.PermuteHeads));

    /// <summary>
    /// One group per row: <see cref="IlgpuRowKernels.MaxGroupSize"/> threads on CUDA, <see cref="EmulatorRowGroupSize"/>
    /// on the CPU emulator (still a two-level reduction tree); always a power of two, as the tree needs.
    /// </summary>
    public static KernelConfig PerRow(int rows, bool cuda, int maxThreadsPerGroup)
    {
        var limit = Math.Min(cuda ? IlgpuRowKernels.MaxGroupSize : EmulatorRowGroupSize, maxThreadsPerGroup);
        var group = 1;
        while (group * 2 <= limit)
        {
            group *= 2;
        }

        return new KernelConfig(rows, group);
    }
}
