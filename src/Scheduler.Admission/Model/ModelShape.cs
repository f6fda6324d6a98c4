using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Model;

/// <summary>
/// The transformer's dimensions with every default resolved. When the spec gives only <c>model.parameters</c>, the
/// dimensions are inferred from the count (see <see cref="Infer"/>) so activations and attention FLOPs can still be priced.
/// </summary>
internal sealed record ModelShape(
    ModelArchitecture Architecture,
    int Layers,
    int Hidden,
    int Heads,
    int KvHeads,
    int FfnHidden,
    MlpKind Mlp,
    PositionEmbedding Position,
    int Vocab,
    int SeqLength,
    bool TiedEmbeddings,
    int Experts,
    int ActiveExperts,
    bool Inferred)
{
    /// <summary>Width of the key and value projections: kvHeads × head size (grouped-query attention).</summary>
    public int KvHidden => KvHeads * (Hidden / Heads);

    public bool IsMoe => Experts > 1;

    /// <summary>Hidden size per layer of the families we infer from (LLaMA, GPT-3): h ≈ 128·L, one head per 128 channels.</summary>
    internal const int HiddenPerLayer = 128;

    public static ModelShape From(ModelSpec model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var mlp = model.Mlp ?? MlpKind.Gelu;
        var vocab = model.VocabSize ?? JobSpecNormalizer.DefaultVocabSize;
        var seq = model.SeqLength ?? JobSpecNormalizer.DefaultSeqLength;
        var tied = model.TiedEmbeddings ?? false;
        if (model is { Layers: { } layers, HiddenSize: { } hidden, Heads: { } heads })
        {
            var ffn = model.FfnHiddenSize ?? JobSpecNormalizer.DefaultFfnHiddenSize(mlp, hidden);
            return new ModelShape(
                model.Architecture ?? ModelArchitecture.Decoder, layers, hidden, heads, model.KvHeads ?? heads,
                model.Moe?.ExpertFfnHiddenSize ?? ffn, mlp, model.PositionEmbedding ?? PositionEmbedding.Learned, vocab, seq, tied,
                model.Moe?.Experts ?? 1, model.Moe?.ActiveExperts ?? 1, Inferred: false);
        }

        return Infer(model with { Mlp = mlp, VocabSize = vocab, SeqLength = seq, TiedEmbeddings = tied });
    }

    /// <summary>
    /// Solves 12·L·h² + embeddings = N with L = h/128 (bisection on h, monotone), then rounds h to a multiple of 128.
    /// Given layers or hidden size are kept. The parameter count reported stays the user's figure.
    /// </summary>
    private static ModelShape Infer(ModelSpec model)
    {
        var target = model.Parameters!.Value;
        var vocab = model.VocabSize!.Value;
        var embeddings = model.TiedEmbeddings == true ? 1 : 2;
        double Count(double h, double layers) => (12.0 * layers * h * h) + (embeddings * vocab * h);

        double hidden;
        if (model.HiddenSize is { } givenHidden)
        {
            hidden = givenHidden;
        }
        else
        {
            double low = 1, high = JobSpecLimits.MaxHiddenSize;
            for (var i = 0; i < 100; i++)
            {
                var mid = (low + high) / 2;
                var layersAtMid = model.Layers ?? Math.Max(1, mid / HiddenPerLayer);
                if (Count(mid, layersAtMid) < target)
                {
                    low = mid;
                }
                else
                {
                    high = mid;
                }
            }

            hidden = Math.Max(HiddenPerLayer, Math.Round(low / HiddenPerLayer) * HiddenPerLayer);
        }

        var h = (int)hidden;
        var heads = model.Heads ?? Math.Max(1, h / HiddenPerLayer);
        var layers = model.Layers ?? Math.Max(1, (int)Math.Round((target - (embeddings * vocab * hidden)) / (12.0 * hidden * hidden)));
        return new ModelShape(
            model.Architecture ?? ModelArchitecture.Decoder, layers, h, heads, heads, 4 * h, MlpKind.Gelu,
            model.PositionEmbedding ?? PositionEmbedding.Rope, vocab, model.SeqLength!.Value, model.TiedEmbeddings ?? false,
            Experts: 1, ActiveExperts: 1, Inferred: true);
    }
}
