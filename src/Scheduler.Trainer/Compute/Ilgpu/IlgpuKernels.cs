using ILGPU;

namespace Scheduler.Trainer.Compute.Ilgpu;

/// <summary>Scalars of one GEMM for the ILGPU fallback kernel (plain fields: kernel parameters must be unmanaged structs).</summary>
internal struct GemmArgs
{
    public int TransA, TransB, M, N, K, Lda, Ldb, Ldc, RoundToBf16;
    public long StrideA, StrideB, StrideC;
    public float Alpha, Beta;

    public static GemmArgs From(in GemmShape s, bool bf16) => new()
    {
        TransA = s.TransA ? 1 : 0, TransB = s.TransB ? 1 : 0, M = s.M, N = s.N, K = s.K, Lda = s.Lda, Ldb = s.Ldb, Ldc = s.Ldc,
        RoundToBf16 = bf16 ? 1 : 0, StrideA = s.StrideA, StrideB = s.StrideB, StrideC = s.StrideC, Alpha = s.Alpha, Beta = s.Beta,
    };
}

/// <summary>
/// The GPT's kernels for ILGPU: one thread per output element or per row, each output written by exactly one thread
/// (no atomics), so results are deterministic on every accelerator. The same maths as <see cref="Managed.ManagedOps"/>.
/// </summary>
internal static class IlgpuKernels
{
    public static void Fill(Index1D i, ArrayView<float> x, float value) => x[i] = value;

    public static void Add(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> result) => result[i] = a[i] + b[i];

    /// <summary>One thread per (row, channel).</summary>
    public static void EmbeddingForward(Index1D iIndex, ArrayView<int> tokens, ArrayView<float> wte, ArrayView<float> wpe, ArrayView<float> output, int length, int channels)
    {
        int i = iIndex;
        var n = i / channels;
        var c = i % channels;
        output[i] = wte[(long)tokens[n] * channels + c] + wpe[(long)(n % length) * channels + c];
    }

    /// <summary>One thread per channel, rows in order: repeated tokens add up deterministically without atomics.</summary>
    public static void EmbeddingBackward(Index1D cIndex, ArrayView<int> tokens, ArrayView<float> dOutput, ArrayView<float> dWte, ArrayView<float> dWpe, int rows, int length, int channels)
    {
        int c = cIndex;
        for (var n = 0; n < rows; n++)
        {
            var g = dOutput[(long)n * channels + c];
            dWte[(long)tokens[n] * channels + c] += g;
            dWpe[(long)(n % length) * channels + c] += g;
        }
    }

    /// <summary>
    /// First half of the gain and bias gradients: thread (chunk p, channel c) sums rows [p·R, (p+1)·R) in order into
    /// partials[p, 0, c] (gain) and partials[p, 1, c] (bias). Chunks spread the rows over many threads (one thread per
    /// channel alone would leave an H100 0.3% busy, each thread walking all B·T rows); the fixed chunking keeps it deterministic.
    /// </summary>
    public static void LayerNormBackwardParameterPartials(Index1D iIndex, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> partials, int rows, int channels, int chunkRows)
    {
        int i = iIndex;
        var p = i / channels;
        var c = i % channels;
        var end = Math.Min(rows, (p + 1) * chunkRows);
        var dw = 0f;
        var db = 0f;
        for (var n = p * chunkRows; n < end; n++)
        {
            var g = dy[(long)n * channels + c];
            dw += g * (x[(long)n * channels + c] - mean[n]) * rstd[n];
            db += g;
        }

        partials[(long)p * 2 * channels + c] = dw;
        partials[(long)p * 2 * channels + channels + c] = db;
    }

    /// <summary>Second half: one thread per channel adds the chunks' partial sums, in chunk order, to the gain and bias gradients.</summary>
    public static void LayerNormBackwardParameters(Index1D cIndex, ArrayView<float> partials, ArrayView<float> dWeight, ArrayView<float> dBias, int chunks, int channels)
    {
        int c = cIndex;
        var dw = 0f;
        var db = 0f;
        for (var p = 0; p < chunks; p++)
        {
            dw += partials[(long)p * 2 * channels + c];
            db += partials[(long)p * 2 * channels + channels + c];
        }

        dWeight[c] += dw;
        dBias[c] += db;
    }

    /// <summary>One thread per element of qkv [B,T,(H+2KV)·D]; with <paramref name="merge"/> ≠ 0 gradients flow back into qkv.</summary>
    public static void SplitQkv(Index1D iIndex, ArrayView<float> qkv, ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, int length, int heads, int kvHeads, int headDim, int merge)
    {
        int i = iIndex;
        var width = (heads + 2 * kvHeads) * headDim;
        var n = i / width;
        var j = i % width;
        var b = n / length;
        var t = n % length;
        var head = j / headDim;
        var d = j % headDim;
        if (head < heads)
        {
            Move(qkv, i, q, (((long)b * heads + head) * length + t) * headDim + d, merge);
        }
        else if (head < heads + kvHeads)
        {
            Move(qkv, i, k, (((long)b * kvHeads + head - heads) * length + t) * headDim + d, merge);
        }
        else
        {
            Move(qkv, i, v, (((long)b * kvHeads + head - heads - kvHeads) * length + t) * headDim + d, merge);
        }
    }

    private static void Move(ArrayView<float> packed, long packedIndex, ArrayView<float> split, long splitIndex, int merge)
    {
        if (merge == 0)
        {
            split[splitIndex] = packed[packedIndex];
        }
        else
        {
            packed[packedIndex] = split[splitIndex];
        }
    }

    /// <summary>One thread per element of [B,T,H·D]: from [B,H,T,D], or to it when <paramref name="inverse"/> ≠ 0.</summary>
    public static void PermuteHeads(Index1D iIndex, ArrayView<float> source, ArrayView<float> destination, int length, int heads, int headDim, int inverse)
    {
        int i = iIndex;
        var width = heads * headDim;
        var n = i / width;
        var j = i % width;
        var b = n / length;
        var t = n % length;
        var h = j / headDim;
        var d = j % headDim;
        var headMajor = (((long)b * heads + h) * length + t) * headDim + d;
        if (inverse == 0)
        {
            destination[i] = source[headMajor];
        }
        else
        {
            destination[headMajor] = source[i];
        }
    }

    public static void Gelu(Index1D i, ArrayView<float> x, ArrayView<float> y) => y[i] = GeluMath.Forward(x[i]);

    public static void GeluBackward(Index1D i, ArrayView<float> x, ArrayView<float> dy, ArrayView<float> dx) => dx[i] = dy[i] * GeluMath.Derivative(x[i]);

    public static void AdamW(Index1D iIndex, ArrayView<float> weights, ArrayView<float> gradients, ArrayView<float> m, ArrayView<float> v, AdamWStep step)
    {
        int i = iIndex;
        var w = weights[i];
        var mi = m[i];
        var vi = v[i];
        AdamWMath.Update(ref w, gradients[i], ref mi, ref vi, step);
        weights[i] = w;
        m[i] = mi;
        v[i] = vi;
    }

    /// <summary>Partial sums of squares: thread p sums elements p, p+P, p+2P… in double; the host adds the P partials in order.</summary>
    public static void SumOfSquaresPartial(Index1D pIndex, ArrayView<float> x, ArrayView<double> partials, int parts)
    {
        int p = pIndex;
        var sum = 0.0;
        for (long i = p; i < x.Length; i += parts)
        {
            sum += (double)x[i] * x[i];
        }

        partials[p] = sum;
    }

    /// <summary>fp32 → bf16 (round to nearest even), for cuBLAS's bf16 inputs.</summary>
    public static void ToBf16(Index1D i, ArrayView<float> source, ArrayView<ushort> destination) =>
        destination[i] = (ushort)(RoundedBits(source[i]) >> 16);

    /// <summary>One thread per element of C: the fallback GEMM for accelerators without cuBLAS (ILGPU's CPU accelerator in CI).</summary>
    public static void Gemm(Index1D iIndex, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmArgs s)
    {
        int i = iIndex;
        var perMatrix = s.M * s.N;
        var batch = i / perMatrix;
        var row = i % perMatrix / s.N;
        var column = i % s.N;
        var aBase = batch * s.StrideA;
        var bBase = batch * s.StrideB;
        var sum = 0f;
        for (var k = 0; k < s.K; k++)
        {
            var x = a[aBase + (s.TransA != 0 ? (long)k * s.Lda + row : (long)row * s.Lda + k)];
            var y = b[bBase + (s.TransB != 0 ? (long)column * s.Ldb + k : (long)k * s.Ldb + column)];
            if (s.RoundToBf16 != 0)
            {
                x = Interop.IntAsFloat(RoundedBits(x) & 0xFFFF_0000u);
                y = Interop.IntAsFloat(RoundedBits(y) & 0xFFFF_0000u);
            }

            sum += x * y;
        }

        var index = batch * s.StrideC + (long)row * s.Ldc + column;
        c[index] = s.Beta == 0f ? s.Alpha * sum : s.Beta * c[index] + s.Alpha * sum;
    }

    private static uint RoundedBits(float value)
    {
        var bits = Interop.FloatAsInt(value);
        return (bits & 0x7FFF_FFFFu) > 0x7F80_0000u ? bits | 0x0040_0000u : bits + 0x7FFFu + ((bits >> 16) & 1u);
    }
}
