using Scheduler.Trainer.Model;

namespace Scheduler.Trainer.Reference;

/// <summary>
/// The test oracle: the same GPT in plain fp64 loops, one sequence at a time, with a hand-written backward pass that the
/// finite-difference test checks. Slow on purpose: nothing here is clever, so it is easy to read against the maths.
/// </summary>
internal sealed class ReferenceGpt(ParameterLayout layout)
{
    private readonly GptConfig _c = layout.Config;

    /// <summary>Mean cross-entropy over all positions of <paramref name="batch"/> sequences of <paramref name="length"/> tokens.</summary>
    public double Loss(double[] weights, int[] inputs, int[] targets, int batch, int length) =>
        Run(weights, inputs, targets, batch, length, grads: null);

    /// <summary>The loss, adding its gradient with respect to every weight into <paramref name="gradients"/>.</summary>
    public double LossAndGradients(double[] weights, int[] inputs, int[] targets, int batch, int length, double[] gradients) =>
        Run(weights, inputs, targets, batch, length, gradients);

    private double Run(double[] w, int[] inputs, int[] targets, int batch, int length, double[]? grads)
    {
        var loss = 0.0;
        var scale = 1.0 / (batch * length);
        for (var b = 0; b < batch; b++)
        {
            loss += Sequence(w, inputs.AsSpan(b * length, length), targets.AsSpan(b * length, length), scale, grads);
        }

        return loss * scale;
    }

    private sealed class BlockCache
    {
        public required double[][] Input, Ln1, Qkv, Probs, Attn, Mid, Ln2, Fc, Gelu;
        public required double[] Ln1Mean, Ln1Rstd, Ln2Mean, Ln2Rstd;
    }

    private double Sequence(double[] w, ReadOnlySpan<int> tokens, ReadOnlySpan<int> targets, double gradScale, double[]? g)
    {
        int T = tokens.Length, C = _c.HiddenSize, H = _c.Heads, D = _c.HeadDim, F = _c.FfnHiddenSize, V = _c.VocabSize;
        var x = new double[T][];
        for (var t = 0; t < T; t++)
        {
            x[t] = new double[C];
            for (var i = 0; i < C; i++)
            {
                x[t][i] = W(w, layout.TokenEmbedding, tokens[t], i) + W(w, layout.PositionEmbedding, t, i);
            }
        }

        var caches = new BlockCache[_c.Layers];
        for (var l = 0; l < _c.Layers; l++)
        {
            var p = layout.Blocks[l];
            var cache = new BlockCache
            {
                Input = x, Ln1 = New(T, C), Qkv = New(T, _c.QkvSize), Probs = New(T * H, T), Attn = New(T, C), Mid = New(T, C),
                Ln2 = New(T, C), Fc = New(T, F), Gelu = New(T, F),
                Ln1Mean = new double[T], Ln1Rstd = new double[T], Ln2Mean = new double[T], Ln2Rstd = new double[T],
            };
            caches[l] = cache;
            for (var t = 0; t < T; t++)
            {
                LayerNorm(x[t], w, p.Ln1Weight, p.Ln1Bias, cache.Ln1[t], out cache.Ln1Mean[t], out cache.Ln1Rstd[t]);
                Linear(cache.Ln1[t], w, p.Qkv, cache.Qkv[t]);
            }

            var invSqrtD = 1.0 / Math.Sqrt(D);
            for (var h = 0; h < H; h++)
            {
                var kvHead = h / _c.GroupSize;
                for (var t = 0; t < T; t++)
                {
                    var probs = cache.Probs[h * T + t];
                    var max = double.NegativeInfinity;
                    for (var u = 0; u <= t; u++)
                    {
                        var s = 0.0;
                        for (var d = 0; d < D; d++)
                        {
                            s += Q(cache.Qkv[t], h, d) * K(cache.Qkv[u], kvHead, d);
                        }

                        probs[u] = s * invSqrtD;
                        max = Math.Max(max, probs[u]);
                    }

                    var sum = 0.0;
                    for (var u = 0; u <= t; u++)
                    {
                        probs[u] = Math.Exp(probs[u] - max);
                        sum += probs[u];
                    }

                    for (var u = 0; u <= t; u++)
                    {
                        probs[u] /= sum;
                        for (var d = 0; d < D; d++)
                        {
                            cache.Attn[t][h * D + d] += probs[u] * Vv(cache.Qkv[u], kvHead, d);
                        }
                    }
                }
            }

            var next = New(T, C);
            for (var t = 0; t < T; t++)
            {
                var y = new double[C];
                Linear(cache.Attn[t], w, p.AttnOut, y);
                for (var i = 0; i < C; i++)
                {
                    cache.Mid[t][i] = x[t][i] + y[i];
                }

                LayerNorm(cache.Mid[t], w, p.Ln2Weight, p.Ln2Bias, cache.Ln2[t], out cache.Ln2Mean[t], out cache.Ln2Rstd[t]);
                Linear(cache.Ln2[t], w, p.Fc, cache.Fc[t]);
                for (var f = 0; f < F; f++)
                {
                    cache.Gelu[t][f] = Gelu(cache.Fc[t][f]);
                }

                var m = new double[C];
                Linear(cache.Gelu[t], w, p.Proj, m);
                for (var i = 0; i < C; i++)
                {
                    next[t][i] = cache.Mid[t][i] + m[i];
                }
            }

            x = next;
        }

        var final = New(T, C);
        var finalMean = new double[T];
        var finalRstd = new double[T];
        var loss = 0.0;
        var dLogits = New(T, V);
        for (var t = 0; t < T; t++)
        {
            LayerNorm(x[t], w, layout.FinalNormWeight, layout.FinalNormBias, final[t], out finalMean[t], out finalRstd[t]);
            var logits = new double[V];
            Linear(final[t], w, layout.LmHead, logits);
            var max = logits.Max();
            var sum = logits.Sum(z => Math.Exp(z - max));
            loss += Math.Log(sum) + max - logits[targets[t]];
            for (var v = 0; v < V; v++)
            {
                dLogits[t][v] = (Math.Exp(logits[v] - max) / sum - (v == targets[t] ? 1 : 0)) * gradScale;
            }
        }

        if (g is null)
        {
            return loss;
        }

        // Backward: dx is the gradient with respect to the residual stream.
        var dx = New(T, C);
        for (var t = 0; t < T; t++)
        {
            var dFinal = LinearBackward(dLogits[t], final[t], w, layout.LmHead, g);
            LayerNormBackward(dFinal, x[t], w, layout.FinalNormWeight, layout.FinalNormBias, finalMean[t], finalRstd[t], dx[t], g);
        }

        for (var l = _c.Layers - 1; l >= 0; l--)
        {
            var p = layout.Blocks[l];
            var cache = caches[l];
            var dMid = New(T, C);
            for (var t = 0; t < T; t++)
            {
                var dGelu = LinearBackward(dx[t], cache.Gelu[t], w, p.Proj, g);
                var dFc = new double[F];
                for (var f = 0; f < F; f++)
                {
                    dFc[f] = dGelu[f] * GeluDerivative(cache.Fc[t][f]);
                }

                var dLn2 = LinearBackward(dFc, cache.Ln2[t], w, p.Fc, g);
                Array.Copy(dx[t], dMid[t], C);
                LayerNormBackward(dLn2, cache.Mid[t], w, p.Ln2Weight, p.Ln2Bias, cache.Ln2Mean[t], cache.Ln2Rstd[t], dMid[t], g);
            }

            var dAttn = New(T, C);
            for (var t = 0; t < T; t++)
            {
                dAttn[t] = LinearBackward(dMid[t], cache.Attn[t], w, p.AttnOut, g);
            }

            var dQkv = New(T, _c.QkvSize);
            var invSqrtD = 1.0 / Math.Sqrt(D);
            for (var h = 0; h < H; h++)
            {
                var kvHead = h / _c.GroupSize;
                for (var t = 0; t < T; t++)
                {
                    var probs = cache.Probs[h * T + t];
                    var dProbs = new double[t + 1];
                    var dot = 0.0;
                    for (var u = 0; u <= t; u++)
                    {
                        for (var d = 0; d < D; d++)
                        {
                            dProbs[u] += dAttn[t][h * D + d] * Vv(cache.Qkv[u], kvHead, d);
                            dQkv[u][(H + _c.KvHeads + kvHead) * D + d] += probs[u] * dAttn[t][h * D + d];
                        }

                        dot += dProbs[u] * probs[u];
                    }

                    for (var u = 0; u <= t; u++)
                    {
                        var dScore = probs[u] * (dProbs[u] - dot) * invSqrtD;
                        for (var d = 0; d < D; d++)
                        {
                            dQkv[t][h * D + d] += dScore * K(cache.Qkv[u], kvHead, d);
                            dQkv[u][(H + kvHead) * D + d] += dScore * Q(cache.Qkv[t], h, d);
                        }
                    }
                }
            }

            var dInput = New(T, C);
            for (var t = 0; t < T; t++)
            {
                var dLn1 = LinearBackward(dQkv[t], cache.Ln1[t], w, p.Qkv, g);
                Array.Copy(dMid[t], dInput[t], C);
                LayerNormBackward(dLn1, cache.Input[t], w, p.Ln1Weight, p.Ln1Bias, cache.Ln1Mean[t], cache.Ln1Rstd[t], dInput[t], g);
            }

            dx = dInput;
        }

        for (var t = 0; t < T; t++)
        {
            for (var i = 0; i < C; i++)
            {
                g[layout.TokenEmbedding.Offset + (long)tokens[t] * C + i] += dx[t][i];
                g[layout.PositionEmbedding.Offset + (long)t * C + i] += dx[t][i];
            }
        }

        return loss;
    }

    private double Q(double[] qkv, int head, int d) => qkv[head * _c.HeadDim + d];

    private double K(double[] qkv, int kvHead, int d) => qkv[(_c.Heads + kvHead) * _c.HeadDim + d];

    private double Vv(double[] qkv, int kvHead, int d) => qkv[(_c.Heads + _c.KvHeads + kvHead) * _c.HeadDim + d];

    private static double[][] New(int rows, int columns) => Enumerable.Range(0, rows).Select(_ => new double[columns]).ToArray();

    private static double W(double[] w, ParameterTensor tensor, int row, int column) => w[tensor.Offset + (long)row * tensor.Columns + column];

    /// <summary>y = W·x for W stored out × in.</summary>
    private static void Linear(double[] x, double[] w, ParameterTensor weight, double[] y)
    {
        for (var o = 0; o < weight.Rows; o++)
        {
            var s = 0.0;
            for (var i = 0; i < weight.Columns; i++)
            {
                s += W(w, weight, o, i) * x[i];
            }

            y[o] = s;
        }
    }

    /// <summary>Adds dW += dy ⊗ x and returns dx = Wᵀ·dy.</summary>
    private static double[] LinearBackward(double[] dy, double[] x, double[] w, ParameterTensor weight, double[] g)
    {
        var dx = new double[weight.Columns];
        for (var o = 0; o < weight.Rows; o++)
        {
            for (var i = 0; i < weight.Columns; i++)
            {
                g[weight.Offset + (long)o * weight.Columns + i] += dy[o] * x[i];
                dx[i] += W(w, weight, o, i) * dy[o];
            }
        }

        return dx;
    }

    internal const double LayerNormEpsilon = 1e-5;

    private static void LayerNorm(double[] x, double[] w, ParameterTensor gain, ParameterTensor bias, double[] y, out double mean, out double rstd)
    {
        mean = x.Average();
        var m = mean;
        var variance = x.Sum(v => (v - m) * (v - m)) / x.Length;
        rstd = 1.0 / Math.Sqrt(variance + LayerNormEpsilon);
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = (x[i] - mean) * rstd * w[gain.Offset + i] + w[bias.Offset + i];
        }
    }

    /// <summary>Adds the input gradient into <paramref name="dx"/> and the gain/bias gradients into <paramref name="g"/>.</summary>
    private static void LayerNormBackward(
        double[] dy, double[] x, double[] w, ParameterTensor gain, ParameterTensor bias, double mean, double rstd, double[] dx, double[] g)
    {
        var n = x.Length;
        var meanDn = 0.0;
        var meanDnXhat = 0.0;
        for (var i = 0; i < n; i++)
        {
            var xhat = (x[i] - mean) * rstd;
            var dn = dy[i] * w[gain.Offset + i];
            meanDn += dn / n;
            meanDnXhat += dn * xhat / n;
            g[gain.Offset + i] += dy[i] * xhat;
            g[bias.Offset + i] += dy[i];
        }

        for (var i = 0; i < n; i++)
        {
            var xhat = (x[i] - mean) * rstd;
            var dn = dy[i] * w[gain.Offset + i];
            dx[i] += (dn - meanDn - xhat * meanDnXhat) * rstd;
        }
    }

    private const double GeluCoefficient = 0.044715;

    private static readonly double SqrtTwoOverPi = Math.Sqrt(2.0 / Math.PI);

    /// <summary>GPT-2's tanh approximation of GELU.</summary>
    internal static double Gelu(double x) => 0.5 * x * (1 + Math.Tanh(SqrtTwoOverPi * (x + GeluCoefficient * x * x * x)));

    internal static double GeluDerivative(double x)
    {
        var u = SqrtTwoOverPi * (x + GeluCoefficient * x * x * x);
        var tanh = Math.Tanh(u);
        var sech2 = 1 - tanh * tanh;
        return 0.5 * (1 + tanh) + 0.5 * x * sech2 * SqrtTwoOverPi * (1 + 3 * GeluCoefficient * x * x);
    }
}
