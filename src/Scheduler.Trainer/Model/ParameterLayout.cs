namespace Scheduler.Trainer.Model;

/// <summary>A named slice of the flat parameter vector.</summary>
internal sealed record ParameterTensor(string Name, long Offset, int Rows, int Columns, bool Decayed)
{
    public long Length => (long)Rows * Columns;
}

/// <summary>Offsets of one transformer block's tensors.</summary>
internal sealed record BlockParameters(
    ParameterTensor Ln1Weight, ParameterTensor Ln1Bias, ParameterTensor Qkv, ParameterTensor AttnOut,
    ParameterTensor Ln2Weight, ParameterTensor Ln2Bias, ParameterTensor Fc, ParameterTensor Proj);

/// <summary>
/// All weights live in one flat fp32 vector (and so do gradients and optimizer moments), which keeps the optimizer,
/// global-norm clipping, all-reduce and checkpoints single loops over one span. Matrices are stored out × in, row-major.
/// </summary>
internal sealed class ParameterLayout
{
    private readonly List<ParameterTensor> _tensors = [];

    public ParameterLayout(GptConfig config)
    {
        Config = config;
        var c = config.HiddenSize;
        TokenEmbedding = Add("wte", config.VocabSize, c, decayed: true);
        PositionEmbedding = Add("wpe", config.SeqLength, c, decayed: true);
        var blocks = new List<BlockParameters>();
        for (var l = 0; l < config.Layers; l++)
        {
            blocks.Add(new BlockParameters(
                Add($"h{l}.ln1.w", 1, c, decayed: false),
                Add($"h{l}.ln1.b", 1, c, decayed: false),
                Add($"h{l}.attn.qkv", config.QkvSize, c, decayed: true),
                Add($"h{l}.attn.out", c, c, decayed: true),
                Add($"h{l}.ln2.w", 1, c, decayed: false),
                Add($"h{l}.ln2.b", 1, c, decayed: false),
                Add($"h{l}.mlp.fc", config.FfnHiddenSize, c, decayed: true),
                Add($"h{l}.mlp.proj", c, config.FfnHiddenSize, decayed: true)));
        }

        Blocks = blocks;
        FinalNormWeight = Add("lnf.w", 1, c, decayed: false);
        FinalNormBias = Add("lnf.b", 1, c, decayed: false);
        LmHead = config.TiedEmbeddings ? TokenEmbedding : Add("lm_head", config.VocabSize, c, decayed: true);
    }

    public GptConfig Config { get; }

    public ParameterTensor TokenEmbedding { get; }

    public ParameterTensor PositionEmbedding { get; }

    public IReadOnlyList<BlockParameters> Blocks { get; }

    public ParameterTensor FinalNormWeight { get; }

    public ParameterTensor FinalNormBias { get; }

    /// <summary>The output projection; the token embedding itself when embeddings are tied.</summary>
    public ParameterTensor LmHead { get; }

    public IReadOnlyList<ParameterTensor> Tensors => _tensors;

    public long Count { get; private set; }

    /// <summary>GPT-2 initialisation: N(0, 0.02) for matrices, residual projections scaled by 1/√(2L), norms at 1 and 0.</summary>
    public float[] Initialize(int seed)
    {
        var weights = new float[Count];
        var random = new TrainerRandom((ulong)seed * 0x9E3779B97F4A7C15UL + 17);
        var residualStd = 0.02 / Math.Sqrt(2.0 * Config.Layers);
        foreach (var tensor in _tensors)
        {
            var span = weights.AsSpan((int)tensor.Offset, (int)tensor.Length);
            if (tensor.Name.EndsWith(".w", StringComparison.Ordinal))
            {
                span.Fill(1f);
            }
            else if (tensor.Name.EndsWith(".b", StringComparison.Ordinal))
            {
                span.Clear();
            }
            else
            {
                var std = tensor.Name.EndsWith("attn.out", StringComparison.Ordinal) || tensor.Name.EndsWith("mlp.proj", StringComparison.Ordinal)
                    ? residualStd
                    : 0.02;
                for (var i = 0; i < span.Length; i++)
                {
                    span[i] = (float)(random.NextGaussian() * std);
                }
            }
        }

        return weights;
    }

    private ParameterTensor Add(string name, int rows, int columns, bool decayed)
    {
        var tensor = new ParameterTensor(name, Count, rows, columns, decayed);
        _tensors.Add(tensor);
        Count += tensor.Length;
        return tensor;
    }
}
