namespace Scheduler.Trainer.Compute;

/// <summary>Memory owned by one backend (managed array or device allocation).</summary>
internal abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    public abstract long Length { get; }

    public TensorView<T> View => new(this, 0, Length);

    public TensorView<T> Slice(long offset, long length) => new(this, offset, length);

    public abstract void Dispose();
}

/// <summary>A contiguous range of a buffer; every op takes views so parameters can be slices of one flat vector.</summary>
internal readonly record struct TensorView<T>(DeviceBuffer<T> Buffer, long Offset, long Length) where T : unmanaged
{
    public TensorView<T> Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + length}) outside a view of {Length}");
        }

        return new(Buffer, Offset + offset, length);
    }
}

/// <summary>
/// Row-major, optionally batched GEMM: C = α·op(A)·op(B) + β·C with op(A) M×K and op(B) K×N; leading dimensions are the
/// row strides of the matrices as stored; batch i uses offsets i·Stride.
/// </summary>
internal readonly record struct GemmShape(
    bool TransA, bool TransB, int M, int N, int K, int Lda, int Ldb, int Ldc,
    long StrideA = 0, long StrideB = 0, long StrideC = 0, int Batch = 1, float Alpha = 1f, float Beta = 0f)
{
    /// <summary>C[M,N] = A[M,K]·B[N,K]ᵀ — a linear layer's forward pass with weights stored out × in.</summary>
    public static GemmShape Linear(int rows, int outputs, int inputs, float beta = 0f) =>
        new(false, true, rows, outputs, inputs, inputs, inputs, outputs, Beta: beta);

    public double Flops => 2.0 * M * N * K * Batch;
}

/// <summary>One AdamW update's scalars (decoupled weight decay, bias-corrected moments, gradient pre-scale for clipping).</summary>
internal readonly record struct AdamWStep(
    float LearningRate, float Beta1, float Beta2, float Epsilon, float WeightDecay, float GradientScale, float BiasCorrection1, float BiasCorrection2);

/// <summary>
/// The kernels the GPT needs, one backend each: managed (fast CPU), ILGPU (CPU accelerator in CI, CUDA on GPUs).
/// Ops that "accumulate" add into their output; every other op overwrites it. Shapes: N rows of C features, T positions.
/// </summary>
internal interface ITensorOps : IDisposable
{
    string Device { get; }

    /// <summary>High-water mark of this backend's allocations, in bytes.</summary>
    long PeakAllocatedBytes { get; }

    DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged;

    void Upload<T>(ReadOnlySpan<T> source, TensorView<T> destination) where T : unmanaged;

    void Download<T>(TensorView<T> source, Span<T> destination) where T : unmanaged;

    void Synchronize();

    void Fill(TensorView<float> x, float value);

    /// <summary>result = a + b (result may alias a).</summary>
    void Add(TensorView<float> a, TensorView<float> b, TensorView<float> result);

    /// <summary>out[b,t,:] = wte[tokens[b,t],:] + wpe[t,:].</summary>
    void EmbeddingForward(TensorView<int> tokens, TensorView<float> wte, TensorView<float> wpe, TensorView<float> output, int batch, int length, int channels);

    /// <summary>Accumulates dwte and dwpe.</summary>
    void EmbeddingBackward(TensorView<int> tokens, TensorView<float> dOutput, TensorView<float> dWte, TensorView<float> dWpe, int batch, int length, int channels);

    void LayerNormForward(TensorView<float> x, TensorView<float> weight, TensorView<float> bias, TensorView<float> y, TensorView<float> mean, TensorView<float> rstd, int rows, int channels);

    /// <summary>Accumulates dx, dWeight and dBias.</summary>
    void LayerNormBackward(
        TensorView<float> dy, TensorView<float> x, TensorView<float> weight, TensorView<float> mean, TensorView<float> rstd,
        TensorView<float> dx, TensorView<float> dWeight, TensorView<float> dBias, int rows, int channels);

    /// <summary>GEMM in fp32, or with both inputs rounded to bf16 and fp32 accumulation when <paramref name="bf16"/>.</summary>
    void Gemm(in GemmShape shape, TensorView<float> a, TensorView<float> b, TensorView<float> c, bool bf16);

    /// <summary>qkv [B,T,(H+2·KV)·D] → q [B,H,T,D], k and v [B,KV,T,D].</summary>
    void SplitQkv(TensorView<float> qkv, TensorView<float> q, TensorView<float> k, TensorView<float> v, int batch, int length, int heads, int kvHeads, int headDim);

    /// <summary>The inverse of <see cref="SplitQkv"/> for gradients (overwrites dqkv).</summary>
    void MergeQkv(TensorView<float> dq, TensorView<float> dk, TensorView<float> dv, TensorView<float> dQkv, int batch, int length, int heads, int kvHeads, int headDim);

    /// <summary>o [B,H,T,D] → y [B,T,H·D]; with <paramref name="inverse"/> the other way round.</summary>
    void PermuteHeads(TensorView<float> source, TensorView<float> destination, int batch, int length, int heads, int headDim, bool inverse);

    /// <summary>Row-wise softmax of scores [rows, T] where row r is query position r mod T; keys after it get probability 0.</summary>
    void CausalSoftmax(TensorView<float> scores, TensorView<float> probs, int rows, int length);

    /// <summary>dScores = P ⊙ (dP − rowsum(dP ⊙ P)) over the causal part, 0 elsewhere.</summary>
    void CausalSoftmaxBackward(TensorView<float> dProbs, TensorView<float> probs, TensorView<float> dScores, int rows, int length);

    void Gelu(TensorView<float> x, TensorView<float> y);

    /// <summary>dx = dy · GELU'(x) (overwrites dx).</summary>
    void GeluBackward(TensorView<float> x, TensorView<float> dy, TensorView<float> dx);

    /// <summary>
    /// Fused softmax cross-entropy: writes each row's loss into <paramref name="losses"/> and replaces the logits in place by
    /// (softmax − onehot)·<paramref name="gradientScale"/>.
    /// </summary>
    void CrossEntropy(TensorView<float> logits, TensorView<int> targets, TensorView<float> losses, int rows, int vocab, float gradientScale);

    void AdamW(TensorView<float> weights, TensorView<float> gradients, TensorView<float> m, TensorView<float> v, in AdamWStep step);

    /// <summary>Σ x², summed in a fixed order (deterministic), in double on the host.</summary>
    double SumOfSquares(TensorView<float> x);
}
