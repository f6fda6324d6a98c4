using Scheduler.Trainer.Compute;
using Scheduler.Trainer.Compute.Cuda;
using Scheduler.Trainer.Compute.Ilgpu;

namespace Scheduler.Trainer.Tests.Compute.Cuda;

/// <summary>
/// One kernel launch as the CUDA backend would make it: an extent for implicitly grouped kernels, grid × group otherwise;
/// <see cref="SerialSteps"/> is the longest loop one thread runs (a launch of few threads with long loops leaves the GPU idle).
/// </summary>
internal sealed record PlannedLaunch(string Kernel, KernelGrouping Grouping, long Threads, long SerialSteps, int Groups = 0, int GroupSize = 0);

/// <summary>One cuBLAS call: the column-major arguments, the lengths of the views behind A, B and C, and C's byte offset.</summary>
internal sealed record PlannedGemm(ColumnMajorGemm Call, long ALength, long BLength, long CLength, long AOffsetBytes, long BOffsetBytes, long COffsetBytes, bool Bf16);

/// <summary>
/// An <see cref="ITensorOps"/> that computes nothing and allocates nothing: it records what the CUDA backend would allocate
/// and launch, using the same geometry (<see cref="KernelLaunches"/>, <see cref="ColumnMajorGemm"/>) as
/// <see cref="IlgpuOps"/> and <see cref="CublasGemm"/>. Driving the real <c>GptModel</c> with it gives the launch and
/// memory plan of a GPT-2 step without a GPU or gigabytes of RAM.
/// </summary>
internal sealed class PlanningOps(int maxThreadsPerGroup = 1024) : ITensorOps
{
    private long _allocated;
    private long _largestBf16A;
    private long _largestBf16B;
    private long _layerNormPartialFloats;

    public string Device => "cuda-plan";

    public long PeakAllocatedBytes { get; private set; }

    public List<PlannedLaunch> Launches { get; } = [];

    public List<PlannedGemm> Gemms { get; } = [];

    /// <summary>Every device allocation the backend makes for a step: the model's buffers (peak), the partial sums of the
    /// norm and of the layernorm parameter gradients, cuBLASLt's workspace and, in bf16, the two conversion scratch buffers
    /// at their largest.</summary>
    public long DeviceBytes => PeakAllocatedBytes + KernelLaunches.SumParts * sizeof(double) + _layerNormPartialFloats * sizeof(float)
        + CublasGemm.WorkspaceBytes + (_largestBf16A + _largestBf16B) * sizeof(ushort);

    private sealed class Buffer<T>(long length, PlanningOps owner) : DeviceBuffer<T> where T : unmanaged
    {
        public override long Length => length;

        public override void Dispose() => owner._allocated -= Bytes(length);

        public static long Bytes(long length) => Math.Max(1, length) * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
    }

    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged
    {
        _allocated += Buffer<T>.Bytes(length);
        PeakAllocatedBytes = Math.Max(PeakAllocatedBytes, _allocated);
        return new Buffer<T>(length, this);
    }

    public void Upload<T>(ReadOnlySpan<T> source, TensorView<T> destination) where T : unmanaged => Assert.True(source.Length <= destination.Length);

    public void Download<T>(TensorView<T> source, Span<T> destination) where T : unmanaged => Assert.True(destination.Length <= source.Length);

    public void Synchronize()
    {
    }

    private void Implicit(string kernel, int extent, long serialSteps = 1) => Launches.Add(new(kernel, KernelGrouping.Implicit, extent, serialSteps));

    /// <summary>One group per row, its threads striding over <paramref name="width"/> elements.</summary>
    private void Explicit(string kernel, int rows, int width)
    {
        var config = KernelLaunches.PerRow(rows, cuda: true, maxThreadsPerGroup);
        var group = config.GroupDim.X;
        Launches.Add(new(kernel, KernelGrouping.Explicit, (long)config.GridDim.X * group, (width + group - 1) / group, config.GridDim.X, group));
    }

    public void Fill(TensorView<float> x, float value) => Implicit(nameof(IlgpuKernels.Fill), KernelLaunches.Elementwise(x.Length, nameof(IlgpuKernels.Fill)));

    public void Add(TensorView<float> a, TensorView<float> b, TensorView<float> result) =>
        Implicit(nameof(IlgpuKernels.Add), KernelLaunches.Elementwise(result.Length, nameof(IlgpuKernels.Add)));

    public void EmbeddingForward(TensorView<int> tokens, TensorView<float> wte, TensorView<float> wpe, TensorView<float> output, int batch, int length, int channels) =>
        Implicit(nameof(IlgpuKernels.EmbeddingForward), KernelLaunches.EmbeddingForward(batch, length, channels));

    public void EmbeddingBackward(TensorView<int> tokens, TensorView<float> dOutput, TensorView<float> dWte, TensorView<float> dWpe, int batch, int length, int channels) =>
        Implicit(nameof(IlgpuKernels.EmbeddingBackward), KernelLaunches.PerChannel(channels), (long)batch * length);

    public void LayerNormForward(TensorView<float> x, TensorView<float> weight, TensorView<float> bias, TensorView<float> y, TensorView<float> mean, TensorView<float> rstd, int rows, int channels) =>
        Explicit(nameof(IlgpuRowKernels.LayerNormForward), rows, channels);

    public void LayerNormBackward(
        TensorView<float> dy, TensorView<float> x, TensorView<float> weight, TensorView<float> mean, TensorView<float> rstd,
        TensorView<float> dx, TensorView<float> dWeight, TensorView<float> dBias, int rows, int channels)
    {
        Explicit(nameof(IlgpuRowKernels.LayerNormBackwardInput), rows, channels);
        Implicit(nameof(IlgpuKernels.LayerNormBackwardParameterPartials), KernelLaunches.LayerNormParameterPartials(rows, channels), KernelLaunches.LayerNormChunkRows);
        Implicit(nameof(IlgpuKernels.LayerNormBackwardParameters), KernelLaunches.PerChannel(channels), KernelLaunches.LayerNormChunks(rows));
        _layerNormPartialFloats = Math.Max(_layerNormPartialFloats, KernelLaunches.LayerNormPartialFloats(rows, channels));
    }

    public void Gemm(in GemmShape shape, TensorView<float> a, TensorView<float> b, TensorView<float> c, bool bf16)
    {
        if (bf16)
        {
            // CublasGemm converts both inputs into scratch buffers (offset 0) sized to the largest input seen.
            Implicit(nameof(IlgpuKernels.ToBf16), KernelLaunches.Elementwise(a.Length, nameof(IlgpuKernels.ToBf16)));
            Implicit(nameof(IlgpuKernels.ToBf16), KernelLaunches.Elementwise(b.Length, nameof(IlgpuKernels.ToBf16)));
            _largestBf16A = Math.Max(_largestBf16A, a.Length);
            _largestBf16B = Math.Max(_largestBf16B, b.Length);
        }

        // cuBLAS's A is our B (column-major transposition, see ColumnMajorGemm).
        Gemms.Add(new PlannedGemm(
            ColumnMajorGemm.From(shape), b.Length, a.Length, c.Length,
            bf16 ? 0 : b.Offset * sizeof(float), bf16 ? 0 : a.Offset * sizeof(float), c.Offset * sizeof(float), bf16));
    }

    public void SplitQkv(TensorView<float> qkv, TensorView<float> q, TensorView<float> k, TensorView<float> v, int batch, int length, int heads, int kvHeads, int headDim) =>
        Implicit(nameof(IlgpuKernels.SplitQkv), KernelLaunches.SplitQkv(batch, length, heads, kvHeads, headDim));

    public void MergeQkv(TensorView<float> dq, TensorView<float> dk, TensorView<float> dv, TensorView<float> dQkv, int batch, int length, int heads, int kvHeads, int headDim) =>
        Implicit(nameof(IlgpuKernels.SplitQkv), KernelLaunches.SplitQkv(batch, length, heads, kvHeads, headDim));

    public void PermuteHeads(TensorView<float> source, TensorView<float> destination, int batch, int length, int heads, int headDim, bool inverse) =>
        Implicit(nameof(IlgpuKernels.PermuteHeads), KernelLaunches.PermuteHeads(batch, length, heads, headDim));

    public void CausalSoftmax(TensorView<float> scores, TensorView<float> probs, int rows, int length) => Explicit(nameof(IlgpuRowKernels.CausalSoftmax), rows, length);

    public void CausalSoftmaxBackward(TensorView<float> dProbs, TensorView<float> probs, TensorView<float> dScores, int rows, int length) =>
        Explicit(nameof(IlgpuRowKernels.CausalSoftmaxBackward), rows, length);

    public void Gelu(TensorView<float> x, TensorView<float> y) => Implicit(nameof(IlgpuKernels.Gelu), KernelLaunches.Elementwise(x.Length, nameof(IlgpuKernels.Gelu)));

    public void GeluBackward(TensorView<float> x, TensorView<float> dy, TensorView<float> dx) =>
        Implicit(nameof(IlgpuKernels.GeluBackward), KernelLaunches.Elementwise(x.Length, nameof(IlgpuKernels.GeluBackward)));

    public void CrossEntropy(TensorView<float> logits, TensorView<int> targets, TensorView<float> losses, int rows, int vocab, float gradientScale) =>
        Explicit(nameof(IlgpuRowKernels.CrossEntropy), rows, vocab);

    public void AdamW(TensorView<float> weights, TensorView<float> gradients, TensorView<float> m, TensorView<float> v, in AdamWStep step) =>
        Implicit(nameof(IlgpuKernels.AdamW), KernelLaunches.Elementwise(weights.Length, nameof(IlgpuKernels.AdamW)));

    public double SumOfSquares(TensorView<float> x)
    {
        Implicit(nameof(IlgpuKernels.SumOfSquaresPartial), KernelLaunches.SumParts, (x.Length + KernelLaunches.SumParts - 1) / KernelLaunches.SumParts);
        return 0;
    }

    public void Dispose()
    {
    }
}
