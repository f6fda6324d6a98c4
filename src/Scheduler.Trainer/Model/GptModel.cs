using Scheduler.Trainer.Compute;

namespace Scheduler.Trainer.Model;

/// <summary>
/// The GPT's forward and backward passes written once against <see cref="ITensorOps"/>, so the managed CPU backend and the
/// ILGPU backends (CPU accelerator, CUDA) run the same sequence of kernels. Weights, gradients and AdamW moments are flat
/// fp32 vectors on the backend (fp32 master weights in bf16 mode too: the GEMMs round their inputs to bf16).
/// </summary>
internal sealed class GptModel : IDisposable
{
    private readonly ITensorOps _ops;
    private readonly GptConfig _c;
    private readonly ParameterLayout _layout;
    private readonly bool _bf16;
    private readonly int _batch;
    private readonly int _length;
    private readonly List<IDisposable> _owned = [];
    private readonly LayerActivations[] _layers;
    private readonly float[] _lossesHost;

    // Forward state of the last pass (per layer above, model-wide here).
    private readonly DeviceBuffer<int> _inputs, _targets;
    private readonly DeviceBuffer<float>[] _residual;
    private readonly DeviceBuffer<float> _final, _finalMean, _finalRstd, _logits, _losses, _scores, _projected;

    // Backward scratch shared by all layers.
    private readonly DeviceBuffer<float> _dResidual, _dNormOut, _dAttn, _dHeads, _dFfn, _dFc, _dProbs, _dScores, _dq, _dk, _dv, _dQkv;

    public GptModel(ITensorOps ops, ParameterLayout layout, int microBatch, bool bf16)
    {
        _ops = ops;
        _layout = layout;
        _c = layout.Config;
        _bf16 = bf16;
        _batch = microBatch;
        _length = _c.SeqLength;
        int n = Rows, c = _c.HiddenSize;
        long attention = (long)_batch * _c.Heads * _length * _length;
        Weights = Float(layout.Count);
        Gradients = Float(layout.Count);
        FirstMoment = Float(layout.Count);
        SecondMoment = Float(layout.Count);
        _inputs = Own(ops.Allocate<int>(n));
        _targets = Own(ops.Allocate<int>(n));
        _residual = Enumerable.Range(0, _c.Layers + 1).Select(_ => Float((long)n * c)).ToArray();
        _layers = Enumerable.Range(0, _c.Layers).Select(_ => new LayerActivations(this, attention)).ToArray();
        _final = Float((long)n * c);
        _finalMean = Float(n);
        _finalRstd = Float(n);
        _logits = Float((long)n * _c.VocabSize);
        _losses = Float(n);
        _scores = Float(attention);
        _projected = Float((long)n * c);
        _dResidual = Float((long)n * c);
        _dNormOut = Float((long)n * c);
        _dAttn = Float((long)n * c);
        _dHeads = Float((long)n * c);
        _dFfn = Float((long)n * _c.FfnHiddenSize);
        _dFc = Float((long)n * _c.FfnHiddenSize);
        _dProbs = Float(attention);
        _dScores = Float(attention);
        _dq = Float((long)n * c);
        _dk = Float((long)n * _c.KvSize);
        _dv = Float((long)n * _c.KvSize);
        _dQkv = Float((long)n * _c.QkvSize);
        _lossesHost = new float[n];
    }

    public DeviceBuffer<float> Weights { get; }

    public DeviceBuffer<float> Gradients { get; }

    public DeviceBuffer<float> FirstMoment { get; }

    public DeviceBuffer<float> SecondMoment { get; }

    public ParameterLayout Layout => _layout;

    public ITensorOps Ops => _ops;

    public int MicroBatch => _batch;

    /// <summary>Tokens in one micro-batch.</summary>
    public int Rows => _batch * _length;

    /// <summary>
    /// One micro-batch: forward, loss, and backward with the loss gradient scaled by <paramref name="gradientScale"/>,
    /// accumulated into <see cref="Gradients"/>. Returns the micro-batch's mean loss.
    /// </summary>
    public double ForwardBackward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, float gradientScale)
    {
        var loss = Forward(inputs, targets, gradientScale);
        Backward();
        return loss;
    }

    /// <summary>The forward pass and the mean loss; leaves the scaled loss gradient in the logits buffer.</summary>
    public double Forward(ReadOnlySpan<int> inputs, ReadOnlySpan<int> targets, float gradientScale)
    {
        int n = Rows, c = _c.HiddenSize, t = _length, b = _batch;
        _ops.Upload(inputs, _inputs.View);
        _ops.Upload(targets, _targets.View);
        _ops.EmbeddingForward(_inputs.View, W(_layout.TokenEmbedding), W(_layout.PositionEmbedding), _residual[0].View, b, t, c);
        for (var l = 0; l < _c.Layers; l++)
        {
            BlockForward(l);
        }

        _ops.LayerNormForward(_residual[^1].View, W(_layout.FinalNormWeight), W(_layout.FinalNormBias), _final.View, _finalMean.View, _finalRstd.View, n, c);
        Linear(_final.View, _layout.LmHead, _logits.View, n);
        _ops.CrossEntropy(_logits.View, _targets.View, _losses.View, n, _c.VocabSize, gradientScale);
        _ops.Download(_losses.View, _lossesHost);
        var sum = 0.0;
        foreach (var value in _lossesHost)
        {
            sum += value;
        }

        return sum / n;
    }

    private void BlockForward(int l)
    {
        int n = Rows, c = _c.HiddenSize, d = _c.HeadDim, t = _length, g = _c.GroupSize;
        var p = _layout.Blocks[l];
        var a = _layers[l];
        _ops.LayerNormForward(_residual[l].View, W(p.Ln1Weight), W(p.Ln1Bias), a.Ln1.View, a.Ln1Mean.View, a.Ln1Rstd.View, n, c);
        Linear(a.Ln1.View, p.Qkv, a.Qkv.View, n);
        _ops.SplitQkv(a.Qkv.View, a.Q.View, a.K.View, a.V.View, _batch, t, _c.Heads, _c.KvHeads, d);
        var groups = _batch * _c.KvHeads;
        var scale = 1f / MathF.Sqrt(d);
        _ops.Gemm(
            new GemmShape(false, true, g * t, t, d, d, d, t, (long)g * t * d, (long)t * d, (long)g * t * t, groups, scale),
            a.Q.View, a.K.View, _scores.View, _bf16);
        _ops.CausalSoftmax(_scores.View, a.Probs.View, _batch * _c.Heads * t, t);
        _ops.Gemm(
            new GemmShape(false, false, g * t, d, t, t, d, d, (long)g * t * t, (long)t * d, (long)g * t * d, groups),
            a.Probs.View, a.V.View, a.Heads.View, _bf16);
        _ops.PermuteHeads(a.Heads.View, a.Attn.View, _batch, t, _c.Heads, d, inverse: false);
        Linear(a.Attn.View, p.AttnOut, _projected.View, n);
        _ops.Add(_residual[l].View, _projected.View, a.Mid.View);
        _ops.LayerNormForward(a.Mid.View, W(p.Ln2Weight), W(p.Ln2Bias), a.Ln2.View, a.Ln2Mean.View, a.Ln2Rstd.View, n, c);
        Linear(a.Ln2.View, p.Fc, a.Fc.View, n);
        _ops.Gelu(a.Fc.View, a.Gelu.View);
        Linear(a.Gelu.View, p.Proj, _projected.View, n);
        _ops.Add(a.Mid.View, _projected.View, _residual[l + 1].View);
    }

    private void Backward()
    {
        int n = Rows, c = _c.HiddenSize;
        LinearBackward(_logits.View, _final.View, _layout.LmHead, _dNormOut.View, n);
        _ops.Fill(_dResidual.View, 0f);
        _ops.LayerNormBackward(
            _dNormOut.View, _residual[^1].View, W(_layout.FinalNormWeight), _finalMean.View, _finalRstd.View,
            _dResidual.View, G(_layout.FinalNormWeight), G(_layout.FinalNormBias), n, c);
        for (var l = _c.Layers - 1; l >= 0; l--)
        {
            BlockBackward(l);
        }

        _ops.EmbeddingBackward(_inputs.View, _dResidual.View, G(_layout.TokenEmbedding), G(_layout.PositionEmbedding), _batch, _length, c);
    }

    private void BlockBackward(int l)
    {
        int n = Rows, c = _c.HiddenSize, d = _c.HeadDim, t = _length, g = _c.GroupSize;
        var p = _layout.Blocks[l];
        var a = _layers[l];

        // MLP: out = mid + gelu(ln2(mid)·Wfcᵀ)·Wprojᵀ
        LinearBackward(_dResidual.View, a.Gelu.View, p.Proj, _dFfn.View, n);
        _ops.GeluBackward(a.Fc.View, _dFfn.View, _dFc.View);
        LinearBackward(_dFc.View, a.Ln2.View, p.Fc, _dNormOut.View, n);
        _ops.LayerNormBackward(_dNormOut.View, a.Mid.View, W(p.Ln2Weight), a.Ln2Mean.View, a.Ln2Rstd.View, _dResidual.View, G(p.Ln2Weight), G(p.Ln2Bias), n, c);

        // Attention: mid = x + attn(ln1(x))·Woᵀ
        LinearBackward(_dResidual.View, a.Attn.View, p.AttnOut, _dAttn.View, n);
        _ops.PermuteHeads(_dAttn.View, _dHeads.View, _batch, t, _c.Heads, d, inverse: true);
        var groups = _batch * _c.KvHeads;
        long qStride = (long)g * t * d, kvStride = (long)t * d, pStride = (long)g * t * t;
        var scale = 1f / MathF.Sqrt(d);
        _ops.Gemm(new GemmShape(false, true, g * t, t, d, d, d, t, qStride, kvStride, pStride, groups), _dHeads.View, a.V.View, _dProbs.View, _bf16);
        _ops.Gemm(new GemmShape(true, false, t, d, g * t, t, d, d, pStride, qStride, kvStride, groups), a.Probs.View, _dHeads.View, _dv.View, _bf16);
        _ops.CausalSoftmaxBackward(_dProbs.View, a.Probs.View, _dScores.View, _batch * _c.Heads * t, t);
        _ops.Gemm(new GemmShape(false, false, g * t, d, t, t, d, d, pStride, kvStride, qStride, groups, scale), _dScores.View, a.K.View, _dq.View, _bf16);
        _ops.Gemm(new GemmShape(true, false, t, d, g * t, t, d, d, pStride, qStride, kvStride, groups, scale), _dScores.View, a.Q.View, _dk.View, _bf16);
        _ops.MergeQkv(_dq.View, _dk.View, _dv.View, _dQkv.View, _batch, t, _c.Heads, _c.KvHeads, d);
        LinearBackward(_dQkv.View, a.Ln1.View, p.Qkv, _dNormOut.View, n);
        _ops.LayerNormBackward(_dNormOut.View, _residual[l].View, W(p.Ln1Weight), a.Ln1Mean.View, a.Ln1Rstd.View, _dResidual.View, G(p.Ln1Weight), G(p.Ln1Bias), n, c);
    }

    /// <summary>y[rows, out] = x[rows, in]·Wᵀ.</summary>
    private void Linear(TensorView<float> x, ParameterTensor weight, TensorView<float> y, int rows) =>
        _ops.Gemm(GemmShape.Linear(rows, weight.Rows, weight.Columns), x, W(weight), y, _bf16);

    /// <summary>dW += dyᵀ·x and dx = dy·W.</summary>
    private void LinearBackward(TensorView<float> dy, TensorView<float> x, ParameterTensor weight, TensorView<float> dx, int rows)
    {
        int outputs = weight.Rows, inputs = weight.Columns;
        _ops.Gemm(new GemmShape(true, false, outputs, inputs, rows, outputs, inputs, inputs, Beta: 1f), dy, x, G(weight), _bf16);
        _ops.Gemm(new GemmShape(false, false, rows, inputs, outputs, outputs, inputs, inputs), dy, W(weight), dx, _bf16);
    }

    private TensorView<float> W(ParameterTensor tensor) => Weights.Slice(tensor.Offset, tensor.Length);

    private TensorView<float> G(ParameterTensor tensor) => Gradients.Slice(tensor.Offset, tensor.Length);

    private DeviceBuffer<float> Float(long length) => Own(_ops.Allocate<float>(length));

    private DeviceBuffer<T> Own<T>(DeviceBuffer<T> buffer) where T : unmanaged
    {
        _owned.Add(buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var buffer in _owned)
        {
            buffer.Dispose();
        }

        _owned.Clear();
    }

    /// <summary>What one block keeps from its forward pass for the backward pass.</summary>
    private sealed class LayerActivations
    {
        public LayerActivations(GptModel m, long attention)
        {
            int n = m.Rows, c = m._c.HiddenSize, f = m._c.FfnHiddenSize;
            Ln1 = m.Float((long)n * c);
            Ln1Mean = m.Float(n);
            Ln1Rstd = m.Float(n);
            Qkv = m.Float((long)n * m._c.QkvSize);
            Q = m.Float((long)n * c);
            K = m.Float((long)n * m._c.KvSize);
            V = m.Float((long)n * m._c.KvSize);
            Probs = m.Float(attention);
            Heads = m.Float((long)n * c);
            Attn = m.Float((long)n * c);
            Mid = m.Float((long)n * c);
            Ln2 = m.Float((long)n * c);
            Ln2Mean = m.Float(n);
            Ln2Rstd = m.Float(n);
            Fc = m.Float((long)n * f);
            Gelu = m.Float((long)n * f);
        }

        public DeviceBuffer<float> Ln1 { get; }
        public DeviceBuffer<float> Ln1Mean { get; }
        public DeviceBuffer<float> Ln1Rstd { get; }
        public DeviceBuffer<float> Qkv { get; }
        public DeviceBuffer<float> Q { get; }
        public DeviceBuffer<float> K { get; }
        public DeviceBuffer<float> V { get; }
        public DeviceBuffer<float> Probs { get; }
        public DeviceBuffer<float> Heads { get; }
        public DeviceBuffer<float> Attn { get; }
        public DeviceBuffer<float> Mid { get; }
        public DeviceBuffer<float> Ln2 { get; }
        public DeviceBuffer<float> Ln2Mean { get; }
        public DeviceBuffer<float> Ln2Rstd { get; }
        public DeviceBuffer<float> Fc { get; }
        public DeviceBuffer<float> Gelu { get; }
    }
}
