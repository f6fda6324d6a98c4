using System.Numerics;
using System.Runtime.InteropServices;

namespace Scheduler.Trainer.Compute.Managed;

internal sealed class ManagedBuffer<T>(long length, ManagedOps owner) : DeviceBuffer<T> where T : unmanaged
{
    public T[] Array { get; } = new T[checked((int)length)];

    public override long Length => Array.Length;

    public override void Dispose() => owner.Release(Array.Length * (long)Marshal.SizeOf<T>());
}

/// <summary>
/// The fast CPU backend: plain spans, <see cref="Vector{T}"/> and <see cref="Parallel"/>. Every output element is computed by
/// exactly one loop iteration in a fixed order, so results do not depend on thread scheduling (resume is bit-exact).
/// </summary>
internal sealed partial class ManagedOps : ITensorOps
{
    private long _allocated;
    private long _peak;

    public string Device => "cpu";

    public long PeakAllocatedBytes => Interlocked.Read(ref _peak);

    public DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged
    {
        var bytes = length * Marshal.SizeOf<T>();
        var now = Interlocked.Add(ref _allocated, bytes);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, peak) != peak)
        {
        }

        return new ManagedBuffer<T>(length, this);
    }

    internal void Release(long bytes) => Interlocked.Add(ref _allocated, -bytes);

    public void Upload<T>(ReadOnlySpan<T> source, TensorView<T> destination) where T : unmanaged => source.CopyTo(Span(destination));

    public void Download<T>(TensorView<T> source, Span<T> destination) where T : unmanaged => Span(source).CopyTo(destination);

    public void Synchronize()
    {
    }

    public void Dispose()
    {
    }

    private static Span<T> Span<T>(TensorView<T> view) where T : unmanaged =>
        ((ManagedBuffer<T>)view.Buffer).Array.AsSpan((int)view.Offset, (int)view.Length);

    private static T[] Array<T>(TensorView<T> view, out int offset) where T : unmanaged
    {
        offset = (int)view.Offset;
        return ((ManagedBuffer<T>)view.Buffer).Array;
    }

    /// <summary>Runs body(row) for rows in parallel chunks sized so that small problems stay on one thread.</summary>
    private static void ForRows(int rows, long workPerRow, Action<int> body)
    {
        const long minimumWorkPerTask = 32_768;
        var rowsPerTask = (int)Math.Clamp(minimumWorkPerTask / Math.Max(1, workPerRow), 1, Math.Max(1, rows));
        var tasks = (rows + rowsPerTask - 1) / rowsPerTask;
        if (tasks <= 1)
        {
            for (var r = 0; r < rows; r++)
            {
                body(r);
            }

            return;
        }

        Parallel.For(0, tasks, task =>
        {
            var end = Math.Min(rows, (task + 1) * rowsPerTask);
            for (var r = task * rowsPerTask; r < end; r++)
            {
                body(r);
            }
        });
    }

    public void Fill(TensorView<float> x, float value) => Span(x).Fill(value);

    public void Add(TensorView<float> a, TensorView<float> b, TensorView<float> result)
    {
        var aa = Array(a, out var ao);
        var ba = Array(b, out var bo);
        var ra = Array(result, out var ro);
        var n = (int)result.Length;
        const int chunk = 16_384;
        ForRows((n + chunk - 1) / chunk, chunk, c =>
        {
            var start = c * chunk;
            var len = Math.Min(chunk, n - start);
            var x = aa.AsSpan(ao + start, len);
            var y = ba.AsSpan(bo + start, len);
            var z = ra.AsSpan(ro + start, len);
            var i = 0;
            for (; i <= len - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(x[i..]) + new Vector<float>(y[i..])).CopyTo(z[i..]);
            }

            for (; i < len; i++)
            {
                z[i] = x[i] + y[i];
            }
        });
    }

    public void EmbeddingForward(TensorView<int> tokens, TensorView<float> wte, TensorView<float> wpe, TensorView<float> output, int batch, int length, int channels)
    {
        var tok = Array(tokens, out var to);
        var te = Array(wte, out var teo);
        var pe = Array(wpe, out var peo);
        var o = Array(output, out var oo);
        ForRows(batch * length, channels, n =>
        {
            var t = n % length;
            var dst = o.AsSpan(oo + n * channels, channels);
            var a = te.AsSpan(teo + tok[to + n] * channels, channels);
            var p = pe.AsSpan(peo + t * channels, channels);
            for (var i = 0; i < channels; i++)
            {
                dst[i] = a[i] + p[i];
            }
        });
    }

    public void EmbeddingBackward(TensorView<int> tokens, TensorView<float> dOutput, TensorView<float> dWte, TensorView<float> dWpe, int batch, int length, int channels)
    {
        var tok = Array(tokens, out var to);
        var d = Array(dOutput, out var dO);
        var te = Array(dWte, out var teo);
        var pe = Array(dWpe, out var peo);
        var rows = batch * length;

        // Parallel over channels, sequential over rows: a token repeated in the batch is summed in row order.
        ForRows(channels, rows, i =>
        {
            for (var n = 0; n < rows; n++)
            {
                var g = d[dO + n * channels + i];
                te[teo + tok[to + n] * channels + i] += g;
                pe[peo + (n % length) * channels + i] += g;
            }
        });
    }

    private const float LayerNormEpsilon = 1e-5f;

    public void LayerNormForward(TensorView<float> x, TensorView<float> weight, TensorView<float> bias, TensorView<float> y, TensorView<float> mean, TensorView<float> rstd, int rows, int channels)
    {
        var xa = Array(x, out var xo);
        var wa = Array(weight, out var wo);
        var ba = Array(bias, out var bo);
        var ya = Array(y, out var yo);
        var ma = Array(mean, out var mo);
        var ra = Array(rstd, out var ro);
        ForRows(rows, channels, n =>
        {
            var row = xa.AsSpan(xo + n * channels, channels);
            var sum = 0f;
            for (var i = 0; i < channels; i++)
            {
                sum += row[i];
            }

            var mu = sum / channels;
            var variance = 0f;
            for (var i = 0; i < channels; i++)
            {
                var diff = row[i] - mu;
                variance += diff * diff;
            }

            var s = 1f / MathF.Sqrt(variance / channels + LayerNormEpsilon);
            var output = ya.AsSpan(yo + n * channels, channels);
            for (var i = 0; i < channels; i++)
            {
                output[i] = (row[i] - mu) * s * wa[wo + i] + ba[bo + i];
            }

            ma[mo + n] = mu;
            ra[ro + n] = s;
        });
    }

    public void LayerNormBackward(
        TensorView<float> dy, TensorView<float> x, TensorView<float> weight, TensorView<float> mean, TensorView<float> rstd,
        TensorView<float> dx, TensorView<float> dWeight, TensorView<float> dBias, int rows, int channels)
    {
        var dya = Array(dy, out var dyo);
        var xa = Array(x, out var xo);
        var wa = Array(weight, out var wo);
        var ma = Array(mean, out var mo);
        var ra = Array(rstd, out var ro);
        var dxa = Array(dx, out var dxo);
        var dwa = Array(dWeight, out var dwo);
        var dba = Array(dBias, out var dbo);
        ForRows(rows, channels, n =>
        {
            var mu = ma[mo + n];
            var s = ra[ro + n];
            var meanDn = 0f;
            var meanDnXhat = 0f;
            for (var i = 0; i < channels; i++)
            {
                var xhat = (xa[xo + n * channels + i] - mu) * s;
                var dn = dya[dyo + n * channels + i] * wa[wo + i];
                meanDn += dn;
                meanDnXhat += dn * xhat;
            }

            meanDn /= channels;
            meanDnXhat /= channels;
            for (var i = 0; i < channels; i++)
            {
                var xhat = (xa[xo + n * channels + i] - mu) * s;
                var dn = dya[dyo + n * channels + i] * wa[wo + i];
                dxa[dxo + n * channels + i] += (dn - meanDn - xhat * meanDnXhat) * s;
            }
        });
        ForRows(channels, rows, i =>
        {
            var dw = 0f;
            var db = 0f;
            for (var n = 0; n < rows; n++)
            {
                var g = dya[dyo + n * channels + i];
                dw += g * (xa[xo + n * channels + i] - ma[mo + n]) * ra[ro + n];
                db += g;
            }

            dwa[dwo + i] += dw;
            dba[dbo + i] += db;
        });
    }

    public void SplitQkv(TensorView<float> qkv, TensorView<float> q, TensorView<float> k, TensorView<float> v, int batch, int length, int heads, int kvHeads, int headDim) =>
        MoveQkv(qkv, q, k, v, batch, length, heads, kvHeads, headDim, merge: false);

    public void MergeQkv(TensorView<float> dq, TensorView<float> dk, TensorView<float> dv, TensorView<float> dQkv, int batch, int length, int heads, int kvHeads, int headDim) =>
        MoveQkv(dQkv, dq, dk, dv, batch, length, heads, kvHeads, headDim, merge: true);

    /// <summary>Copies each head's slice between the packed [B,T,(H+2KV)·D] rows and the head-major q, k, v; <paramref name="merge"/> packs.</summary>
    private static void MoveQkv(TensorView<float> qkv, TensorView<float> q, TensorView<float> k, TensorView<float> v, int batch, int length, int heads, int kvHeads, int headDim, bool merge)
    {
        var packed = Array(qkv, out var po);
        var width = (heads + 2 * kvHeads) * headDim;
        (float[] Array, int Offset, int Heads, int FirstHead)[] parts =
        [
            (Array(q, out var qo), qo, heads, 0),
            (Array(k, out var ko), ko, kvHeads, heads),
            (Array(v, out var vo), vo, kvHeads, heads + kvHeads),
        ];
        ForRows(batch * length, width, n =>
        {
            int b = n / length, t = n % length;
            foreach (var (split, offset, count, first) in parts)
            {
                for (var h = 0; h < count; h++)
                {
                    var packedIndex = po + n * width + (first + h) * headDim;
                    var splitIndex = offset + ((b * count + h) * length + t) * headDim;
                    if (merge)
                    {
                        System.Array.Copy(split, splitIndex, packed, packedIndex, headDim);
                    }
                    else
                    {
                        System.Array.Copy(packed, packedIndex, split, splitIndex, headDim);
                    }
                }
            }
        });
    }

    public void PermuteHeads(TensorView<float> source, TensorView<float> destination, int batch, int length, int heads, int headDim, bool inverse)
    {
        var src = Array(source, out var so);
        var dst = Array(destination, out var dO);
        var width = heads * headDim;
        ForRows(batch * length, width, n =>
        {
            int b = n / length, t = n % length;
            for (var h = 0; h < heads; h++)
            {
                var headMajor = ((b * heads + h) * length + t) * headDim;
                var tokenMajor = n * width + h * headDim;
                if (inverse)
                {
                    System.Array.Copy(src, so + tokenMajor, dst, dO + headMajor, headDim);
                }
                else
                {
                    System.Array.Copy(src, so + headMajor, dst, dO + tokenMajor, headDim);
                }
            }
        });
    }

    public void CausalSoftmax(TensorView<float> scores, TensorView<float> probs, int rows, int length)
    {
        var sa = Array(scores, out var so);
        var pa = Array(probs, out var po);
        ForRows(rows, length, r =>
        {
            var t = r % length;
            var s = sa.AsSpan(so + r * length, length);
            var p = pa.AsSpan(po + r * length, length);
            var max = float.NegativeInfinity;
            for (var u = 0; u <= t; u++)
            {
                max = MathF.Max(max, s[u]);
            }

            var sum = 0f;
            for (var u = 0; u <= t; u++)
            {
                p[u] = MathF.Exp(s[u] - max);
                sum += p[u];
            }

            var inv = 1f / sum;
            for (var u = 0; u <= t; u++)
            {
                p[u] *= inv;
            }

            p[(t + 1)..].Clear();
        });
    }

    public void CausalSoftmaxBackward(TensorView<float> dProbs, TensorView<float> probs, TensorView<float> dScores, int rows, int length)
    {
        var da = Array(dProbs, out var dO);
        var pa = Array(probs, out var po);
        var sa = Array(dScores, out var so);
        ForRows(rows, length, r =>
        {
            var t = r % length;
            var dp = da.AsSpan(dO + r * length, length);
            var p = pa.AsSpan(po + r * length, length);
            var ds = sa.AsSpan(so + r * length, length);
            var dot = 0f;
            for (var u = 0; u <= t; u++)
            {
                dot += dp[u] * p[u];
            }

            for (var u = 0; u <= t; u++)
            {
                ds[u] = p[u] * (dp[u] - dot);
            }

            ds[(t + 1)..].Clear();
        });
    }

    public void Gelu(TensorView<float> x, TensorView<float> y)
    {
        var xa = Array(x, out var xo);
        var ya = Array(y, out var yo);
        const int chunk = 4096;
        var n = (int)x.Length;
        ForRows((n + chunk - 1) / chunk, chunk * 8, c =>
        {
            var end = Math.Min(n, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                ya[yo + i] = GeluMath.Forward(xa[xo + i]);
            }
        });
    }

    public void GeluBackward(TensorView<float> x, TensorView<float> dy, TensorView<float> dx)
    {
        var xa = Array(x, out var xo);
        var da = Array(dy, out var dO);
        var ga = Array(dx, out var go);
        const int chunk = 4096;
        var n = (int)x.Length;
        ForRows((n + chunk - 1) / chunk, chunk * 8, c =>
        {
            var end = Math.Min(n, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                ga[go + i] = da[dO + i] * GeluMath.Derivative(xa[xo + i]);
            }
        });
    }

    public void CrossEntropy(TensorView<float> logits, TensorView<int> targets, TensorView<float> losses, int rows, int vocab, float gradientScale)
    {
        var la = Array(logits, out var lo);
        var ta = Array(targets, out var to);
        var lossArray = Array(losses, out var lso);
        ForRows(rows, vocab, n =>
        {
            var row = la.AsSpan(lo + n * vocab, vocab);
            var max = float.NegativeInfinity;
            for (var v = 0; v < vocab; v++)
            {
                max = MathF.Max(max, row[v]);
            }

            var sum = 0f;
            for (var v = 0; v < vocab; v++)
            {
                sum += MathF.Exp(row[v] - max);
            }

            var target = ta[to + n];
            lossArray[lso + n] = MathF.Log(sum) + max - row[target];
            var inv = 1f / sum;
            for (var v = 0; v < vocab; v++)
            {
                row[v] = MathF.Exp(row[v] - max) * inv * gradientScale;
            }

            row[target] -= gradientScale;
        });
    }

    public void AdamW(TensorView<float> weights, TensorView<float> gradients, TensorView<float> m, TensorView<float> v, in AdamWStep step)
    {
        var wa = Array(weights, out var wo);
        var ga = Array(gradients, out var go);
        var ma = Array(m, out var mo);
        var va = Array(v, out var vo);
        var s = step;
        const int chunk = 16_384;
        var n = (int)weights.Length;
        ForRows((n + chunk - 1) / chunk, chunk * 4, c =>
        {
            var end = Math.Min(n, (c + 1) * chunk);
            for (var i = c * chunk; i < end; i++)
            {
                AdamWMath.Update(ref wa[wo + i], ga[go + i], ref ma[mo + i], ref va[vo + i], s);
            }
        });
    }

    public double SumOfSquares(TensorView<float> x)
    {
        var xa = Array(x, out var xo);
        const int chunk = 65_536;
        var n = (int)x.Length;
        var partial = new double[(n + chunk - 1) / chunk];
        ForRows(partial.Length, chunk, c =>
        {
            var end = Math.Min(n, (c + 1) * chunk);
            var sum = 0.0;
            for (var i = c * chunk; i < end; i++)
            {
                sum += (double)xa[xo + i] * xa[xo + i];
            }

            partial[c] = sum;
        });
        return partial.Sum();
    }
}
