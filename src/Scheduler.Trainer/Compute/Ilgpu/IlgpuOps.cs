using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace Scheduler.Trainer.Compute.Ilgpu;

internal sealed class IlgpuBuffer<T>(MemoryBuffer1D<T, Stride1D.Dense> memory, IlgpuOps owner) : DeviceBuffer<T> where T : unmanaged
{
    public MemoryBuffer1D<T, Stride1D.Dense> Memory { get; } = memory;

    public override long Length => Memory.Length;

    public override void Dispose()
    {
        owner.Release(Memory.LengthInBytes);
        Memory.Dispose();
    }
}

/// <summary>Matrix multiplies for the ILGPU backend: cuBLAS on CUDA, a plain ILGPU kernel elsewhere.</summary>
internal interface IGemmEngine : IDisposable
{
    string Name { get; }

    void Gemm(in GemmShape shape, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, bool bf16);
}

/// <summary>
/// <see cref="ITensorOps"/> on an ILGPU accelerator: the CPU accelerator in CI (an emulator: correct, slow) or CUDA.
/// Each kernel is compiled on first use and kept; launches go to the accelerator's default stream in order.
/// </summary>
internal sealed class IlgpuOps : ITensorOps
{
    private readonly Context _context;
    private readonly Accelerator _accelerator;
    private readonly IGemmEngine _gemm;
    private readonly bool _ownsContext;
    private long _allocated;
    private long _peak;
    private MemoryBuffer1D<double, Stride1D.Dense>? _partials;
    private MemoryBuffer1D<float, Stride1D.Dense>? _layerNormPartials;

    private Action<Index1D, ArrayView<float>, float>? _fill;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _add;
    private Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _embeddingForward;
    private Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _embeddingBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _layerNormForward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _layerNormBackwardInput;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>? _layerNormParameterPartials;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>? _layerNormBackwardParameters;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>? _splitQkv;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>? _permuteHeads;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, int>? _causalSoftmax;
    private Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>? _causalSoftmaxBackward;
    private Action<Index1D, ArrayView<float>, ArrayView<float>>? _gelu;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>? _geluBackward;
    private Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, int, float>? _crossEntropy;
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWStep>? _adamW;
    private Action<Index1D, ArrayView<float>, ArrayView<double>, int>? _sumOfSquares;

    /// <param name="gemm">Builds the GEMM engine for the accelerator; null uses the ILGPU kernel.</param>
    public IlgpuOps(Context context, Accelerator accelerator, Func<IlgpuOps, IGemmEngine>? gemm = null, bool ownsContext = true)
    {
        _context = context;
        _accelerator = accelerator;
        _ownsContext = ownsContext;
        _gemm = gemm?.Invoke(this) ?? new IlgpuGemm(accelerator);
    }

    /// <summary>ILGPU's CPU accelerator (a single emulated multiprocessor, so kernels behave the same on any host).</summary>
    public static IlgpuOps CreateCpu()
    {
        var context = Context.Create(builder => builder.CPU().Math(MathMode.Default));
        return new IlgpuOps(context, context.CreateCPUAccelerator(0));
    }

    public Accelerator Accelerator => _accelerator;

    public string Device => _accelerator.AcceleratorType == AcceleratorType.Cuda ? "cuda" : "ilgpu-cpu";

    public string GemmEngine => _gemm.Name;

    public long PeakAllocatedBytes => Interlocked.Read(ref _peak);

    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged
    {
        var memory = _accelerator.Allocate1D<T>(Math.Max(1, length));
        memory.MemSetToZero();
        var now = Interlocked.Add(ref _allocated, memory.LengthInBytes);
        if (now > _peak)
        {
            _peak = now;
        }

        return new IlgpuBuffer<T>(memory, this);
    }

    internal void Release(long bytes) => Interlocked.Add(ref _allocated, -bytes);

    internal static ArrayView<T> View<T>(TensorView<T> view) where T : unmanaged =>
        ((IlgpuBuffer<T>)view.Buffer).Memory.View.SubView(view.Offset, view.Length);

    public void Upload<T>(ReadOnlySpan<T> source, TensorView<T> destination) where T : unmanaged
    {
        _accelerator.Synchronize();
        View(destination).SubView(0, source.Length).CopyFromCPU(ref MemoryMarshal.GetReference(source), source.Length);
    }

    public void Download<T>(TensorView<T> source, Span<T> destination) where T : unmanaged
    {
        _accelerator.Synchronize();
        View(source).SubView(0, destination.Length).CopyToCPU(ref MemoryMarshal.GetReference(destination), destination.Length);
    }

    public void Synchronize() => _accelerator.Synchronize();

    private KernelConfig PerRow(int rows) =>
        KernelLaunches.PerRow(rows, _accelerator.AcceleratorType == AcceleratorType.Cuda, _accelerator.MaxNumThreadsPerGroup);

    private TDelegate Load<TDelegate>(ref TDelegate? slot, Func<Accelerator, TDelegate> load) where TDelegate : Delegate => slot ??= load(_accelerator);

    public void Fill(TensorView<float> x, float value) =>
        Load(ref _fill, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, float>(IlgpuKernels.Fill))(KernelLaunches.Elementwise(x.Length, nameof(IlgpuKernels.Fill)), View(x), value);

    public void Add(TensorView<float> a, TensorView<float> b, TensorView<float> result) =>
        Load(ref _add, acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(IlgpuKernels.Add))(
            KernelLaunches.Elementwise(result.Length, nameof(IlgpuKernels.Add)), View(a), View(b), View(result));

    public void EmbeddingForward(TensorView<int> tokens, TensorView<float> wte, TensorView<float> wpe, TensorView<float> output, int batch, int length, int channels) =>
        Load(ref _embeddingForward, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(IlgpuKernels.EmbeddingForward))(
            KernelLaunches.EmbeddingForward(batch, length, channels), View(tokens), View(wte), View(wpe), View(output), length, channels);

    public void EmbeddingBackward(TensorView<int> tokens, TensorView<float> dOutput, TensorView<float> dWte, TensorView<float> dWpe, int batch, int length, int channels) =>
        Load(ref _embeddingBackward, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(IlgpuKernels.EmbeddingBackward))(
            KernelLaunches.PerChannel(channels), View(tokens), View(dOutput), View(dWte), View(dWpe), batch * length, length, channels);

    public void LayerNormForward(TensorView<float> x, TensorView<float> weight, TensorView<float> bias, TensorView<float> y, TensorView<float> mean, TensorView<float> rstd, int rows, int channels) =>
        Load(ref _layerNormForward, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuRowKernels.LayerNormForward))(
            PerRow(rows), View(x), View(weight), View(bias), View(y), View(mean), View(rstd), channels);

    public void LayerNormBackward(
        TensorView<float> dy, TensorView<float> x, TensorView<float> weight, TensorView<float> mean, TensorView<float> rstd,
        TensorView<float> dx, TensorView<float> dWeight, TensorView<float> dBias, int rows, int channels)
    {
        Load(ref _layerNormBackwardInput, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuRowKernels.LayerNormBackwardInput))(
            PerRow(rows), View(dy), View(x), View(weight), View(mean), View(rstd), View(dx), channels);
        var partialFloats = KernelLaunches.LayerNormPartialFloats(rows, channels);
        if (_layerNormPartials is null || _layerNormPartials.Length < partialFloats)
        {
            _layerNormPartials?.Dispose();
            _layerNormPartials = _accelerator.Allocate1D<float>(partialFloats);
        }

        var partials = _layerNormPartials.View.SubView(0, partialFloats);
        Load(ref _layerNormParameterPartials, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(IlgpuKernels.LayerNormBackwardParameterPartials))(
            KernelLaunches.LayerNormParameterPartials(rows, channels), View(dy), View(x), View(mean), View(rstd), partials, rows, channels, KernelLaunches.LayerNormChunkRows);
        Load(ref _layerNormBackwardParameters, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(IlgpuKernels.LayerNormBackwardParameters))(
            KernelLaunches.PerChannel(channels), partials, View(dWeight), View(dBias), KernelLaunches.LayerNormChunks(rows), channels);
    }

    public void Gemm(in GemmShape shape, TensorView<float> a, TensorView<float> b, TensorView<float> c, bool bf16) =>
        _gemm.Gemm(shape, View(a), View(b), View(c), bf16);

    public void SplitQkv(TensorView<float> qkv, TensorView<float> q, TensorView<float> k, TensorView<float> v, int batch, int length, int heads, int kvHeads, int headDim) =>
        LaunchSplitQkv(qkv, q, k, v, batch, length, heads, kvHeads, headDim, merge: 0);

    public void MergeQkv(TensorView<float> dq, TensorView<float> dk, TensorView<float> dv, TensorView<float> dQkv, int batch, int length, int heads, int kvHeads, int headDim) =>
        LaunchSplitQkv(dQkv, dq, dk, dv, batch, length, heads, kvHeads, headDim, merge: 1);

    private void LaunchSplitQkv(TensorView<float> qkv, TensorView<float> q, TensorView<float> k, TensorView<float> v, int batch, int length, int heads, int kvHeads, int headDim, int merge) =>
        Load(ref _splitQkv, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, int>(IlgpuKernels.SplitQkv))(
            KernelLaunches.SplitQkv(batch, length, heads, kvHeads, headDim), View(qkv), View(q), View(k), View(v), length, heads, kvHeads, headDim, merge);

    public void PermuteHeads(TensorView<float> source, TensorView<float> destination, int batch, int length, int heads, int headDim, bool inverse) =>
        Load(ref _permuteHeads, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>(IlgpuKernels.PermuteHeads))(
            KernelLaunches.PermuteHeads(batch, length, heads, headDim), View(source), View(destination), length, heads, headDim, inverse ? 1 : 0);

    public void CausalSoftmax(TensorView<float> scores, TensorView<float> probs, int rows, int length) =>
        Load(ref _causalSoftmax, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, int>(IlgpuRowKernels.CausalSoftmax))(
            PerRow(rows), View(scores), View(probs), length);

    public void CausalSoftmaxBackward(TensorView<float> dProbs, TensorView<float> probs, TensorView<float> dScores, int rows, int length) =>
        Load(ref _causalSoftmaxBackward, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(IlgpuRowKernels.CausalSoftmaxBackward))(
            PerRow(rows), View(dProbs), View(probs), View(dScores), length);

    public void Gelu(TensorView<float> x, TensorView<float> y) =>
        Load(ref _gelu, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>>(IlgpuKernels.Gelu))(KernelLaunches.Elementwise(x.Length, nameof(IlgpuKernels.Gelu)), View(x), View(y));

    public void GeluBackward(TensorView<float> x, TensorView<float> dy, TensorView<float> dx) =>
        Load(ref _geluBackward, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>>(IlgpuKernels.GeluBackward))(
            KernelLaunches.Elementwise(x.Length, nameof(IlgpuKernels.GeluBackward)), View(x), View(dy), View(dx));

    public void CrossEntropy(TensorView<float> logits, TensorView<int> targets, TensorView<float> losses, int rows, int vocab, float gradientScale) =>
        Load(ref _crossEntropy, a => a.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, int, float>(IlgpuRowKernels.CrossEntropy))(
            PerRow(rows), View(logits), View(targets), View(losses), vocab, gradientScale);

    public void AdamW(TensorView<float> weights, TensorView<float> gradients, TensorView<float> m, TensorView<float> v, in AdamWStep step) =>
        Load(ref _adamW, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, AdamWStep>(IlgpuKernels.AdamW))(
            KernelLaunches.Elementwise(weights.Length, nameof(IlgpuKernels.AdamW)), View(weights), View(gradients), View(m), View(v), step);

    public double SumOfSquares(TensorView<float> x)
    {
        _partials ??= _accelerator.Allocate1D<double>(KernelLaunches.SumParts);
        Load(ref _sumOfSquares, a => a.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<double>, int>(IlgpuKernels.SumOfSquaresPartial))(
            KernelLaunches.SumParts, View(x), _partials.View, KernelLaunches.SumParts);
        _accelerator.Synchronize();
        return _partials.GetAsArray1D().Sum();
    }

    public void Dispose()
    {
        _gemm.Dispose();
        _partials?.Dispose();
        _layerNormPartials?.Dispose();
        _accelerator.Dispose();
        if (_ownsContext)
        {
            _context.Dispose();
        }
    }
}

/// <summary>The fallback GEMM: one ILGPU thread per output element.</summary>
internal sealed class IlgpuGemm(Accelerator accelerator) : IGemmEngine
{
    private Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>? _kernel;

    public string Name => "ilgpu-kernel";

    public void Gemm(in GemmShape shape, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, bool bf16)
    {
        _kernel ??= accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs>(IlgpuKernels.Gemm);
        _kernel(KernelLaunches.Elementwise((long)shape.M * shape.N * shape.Batch, nameof(IlgpuKernels.Gemm)), a, b, c, GemmArgs.From(shape, bf16));
    }

    public void Dispose()
    {
    }
}
