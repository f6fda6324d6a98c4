using ILGPU;

namespace Scheduler.Trainer.Compute.Ilgpu;

/// <summary>
/// Row-wise kernels (layernorm, causal softmax, cross-entropy): one thread group per row, the group's threads striding
/// over the row and combining partial results with a shared-memory tree, so a 50,257-wide vocabulary row is read by 256
/// threads with coalesced loads instead of by one. The tree has a fixed shape, so results are deterministic. Launched with
/// a group size that is a power of two no larger than <see cref="MaxGroupSize"/>.
/// </summary>
internal static class IlgpuRowKernels
{
    public const int MaxGroupSize = 256;
    private const float LayerNormEpsilon = 1e-5f;

    private static float GroupSum(float value) => GroupReduce(value, max: false);

    private static float GroupMax(float value) => GroupReduce(value, max: true);

    /// <summary>Sum or maximum over the group, through a shared-memory tree; every thread gets the result.</summary>
    private static float GroupReduce(float value, bool max)
    {
        var shared = SharedMemory.Allocate<float>(MaxGroupSize);
        shared[Group.IdxX] = value;
        Group.Barrier();
        for (var stride = Group.DimX / 2; stride > 0; stride /= 2)
        {
            if (Group.IdxX < stride)
            {
                var other = shared[Group.IdxX + stride];
                shared[Group.IdxX] = max ? MathF.Max(shared[Group.IdxX], other) : shared[Group.IdxX] + other;
            }

            Group.Barrier();
        }

        var total = shared[0];
        Group.Barrier();
        return total;
    }

    public static void LayerNormForward(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> rstd, int channels)
    {
        var n = Grid.IdxX;
        var row = (long)n * channels;
        var partial = 0f;
        for (var i = Group.IdxX; i < channels; i += Group.DimX)
        {
            partial += x[row + i];
        }

        var mu = GroupSum(partial) / channels;
        partial = 0f;
        for (var i = Group.IdxX; i < channels; i += Group.DimX)
        {
            var diff = x[row + i] - mu;
            partial += diff * diff;
        }

        var s = 1f / MathF.Sqrt(GroupSum(partial) / channels + LayerNormEpsilon);
        for (var i = Group.IdxX; i < channels; i += Group.DimX)
        {
            y[row + i] = (x[row + i] - mu) * s * weight[i] + bias[i];
        }

        if (Group.IdxX == 0)
        {
            mean[n] = mu;
            rstd[n] = s;
        }
    }

    /// <summary>Accumulates the input gradient of one row.</summary>
    public static void LayerNormBackwardInput(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> weight, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dx, int channels)
    {
        var n = Grid.IdxX;
        var row = (long)n * channels;
        var mu = mean[n];
        var s = rstd[n];
        var dn = 0f;
        var dnXhat = 0f;
        for (var i = Group.IdxX; i < channels; i += Group.DimX)
        {
            var g = dy[row + i] * weight[i];
            dn += g;
            dnXhat += g * (x[row + i] - mu) * s;
        }

        var meanDn = GroupSum(dn) / channels;
        var meanDnXhat = GroupSum(dnXhat) / channels;
        for (var i = Group.IdxX; i < channels; i += Group.DimX)
        {
            var xhat = (x[row + i] - mu) * s;
            dx[row + i] += (dy[row + i] * weight[i] - meanDn - xhat * meanDnXhat) * s;
        }
    }

    /// <summary>Row r of [rows, T] is query position r mod T; keys after it get probability 0.</summary>
    public static void CausalSoftmax(ArrayView<float> scores, ArrayView<float> probs, int length)
    {
        var r = Grid.IdxX;
        var t = r % length;
        var row = (long)r * length;
        var max = float.NegativeInfinity;
        for (var u = Group.IdxX; u <= t; u += Group.DimX)
        {
            max = MathF.Max(max, scores[row + u]);
        }

        max = GroupMax(max);
        var sum = 0f;
        for (var u = Group.IdxX; u <= t; u += Group.DimX)
        {
            sum += DeviceMath.Exp(scores[row + u] - max);
        }

        var inv = 1f / GroupSum(sum);
        for (var u = Group.IdxX; u < length; u += Group.DimX)
        {
            probs[row + u] = u <= t ? DeviceMath.Exp(scores[row + u] - max) * inv : 0f;
        }
    }

    public static void CausalSoftmaxBackward(ArrayView<float> dProbs, ArrayView<float> probs, ArrayView<float> dScores, int length)
    {
        var r = Grid.IdxX;
        var t = r % length;
        var row = (long)r * length;
        var partial = 0f;
        for (var u = Group.IdxX; u <= t; u += Group.DimX)
        {
            partial += dProbs[row + u] * probs[row + u];
        }

        var dot = GroupSum(partial);
        for (var u = Group.IdxX; u < length; u += Group.DimX)
        {
            dScores[row + u] = u <= t ? probs[row + u] * (dProbs[row + u] - dot) : 0f;
        }
    }

    /// <summary>The row's loss, then (softmax − onehot)·scale in place of its logits.</summary>
    public static void CrossEntropy(ArrayView<float> logits, ArrayView<int> targets, ArrayView<float> losses, int vocab, float gradientScale)
    {
        var n = Grid.IdxX;
        var row = (long)n * vocab;
        var max = float.NegativeInfinity;
        for (var v = Group.IdxX; v < vocab; v += Group.DimX)
        {
            max = MathF.Max(max, logits[row + v]);
        }

        max = GroupMax(max);
        var partial = 0f;
        for (var v = Group.IdxX; v < vocab; v += Group.DimX)
        {
            partial += DeviceMath.Exp(logits[row + v] - max);
        }

        var sum = GroupSum(partial);
        var target = targets[n];
        var targetLogit = logits[row + target];
        Group.Barrier();
        if (Group.IdxX == 0)
        {
            losses[n] = DeviceMath.Log(sum) + max - targetLogit;
        }

        var inv = 1f / sum;
        for (var v = Group.IdxX; v < vocab; v += Group.DimX)
        {
            var p = DeviceMath.Exp(logits[row + v] - max) * inv * gradientScale;
            logits[row + v] = v == target ? p - gradientScale : p;
        }
    }
}
