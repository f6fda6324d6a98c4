using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Model;

/// <summary>
/// Parameter counts of a transformer, split the way memory partitioning and FLOPs need them.
/// Biases and LayerNorm shifts are left out (under 0.1% of any model here).
/// </summary>
/// <param name="Total">Every parameter (MoE: every expert).</param>
/// <param name="Active">Parameters one token passes through (MoE: router plus the routed experts).</param>
/// <param name="PerLayer">One transformer block, every expert included.</param>
/// <param name="PerLayerActive">One transformer block as a token sees it.</param>
/// <param name="InputEmbedding">Token (and learned position) embeddings: looked up, never multiplied.</param>
/// <param name="OutputHead">The output projection's own parameters (0 when tied to the input embedding).</param>
/// <param name="HeadMatmul">Parameters of the output projection matmul (vocab × h, tied or not).</param>
/// <param name="QuantizableLinear">Weights of the blocks' linear layers (what QLoRA stores in 4 bits).</param>
/// <param name="LoraAdapters">Adapter parameters for the given rank on the query and value projections (Hu et al. 2021).</param>
internal sealed record ParameterCount(
    double Total,
    double Active,
    double PerLayer,
    double PerLayerActive,
    double InputEmbedding,
    double OutputHead,
    double HeadMatmul,
    double FinalNorm,
    double QuantizableLinear,
    double LoraAdapters)
{
    /// <summary>Expert MLP parameters of one block, every expert (0 for a dense model): what expert parallelism splits.</summary>
    public double ExpertsPerLayer { get; init; }

    /// <summary>Parameters that multiply activations for each token: blocks, final norm and the output projection.</summary>
    public double MatmulActive(int layers) => (PerLayerActive * layers) + FinalNorm + HeadMatmul;

    public static ParameterCount Of(ModelShape shape, double? statedParameters, int loraRank)
    {
        ArgumentNullException.ThrowIfNull(shape);
        double h = shape.Hidden;
        double layers = shape.Layers;
        var attention = (2.0 * h * h) + (2.0 * h * shape.KvHidden);
        var mlp = MlpParameters(shape.Mlp, h, shape.FfnHidden);
        var router = shape.IsMoe ? h * shape.Experts : 0;
        var norms = 2 * h;
        var perLayer = attention + norms + router + (mlp * shape.Experts);
        var perLayerActive = attention + norms + router + (mlp * shape.ActiveExperts);
        var inputEmbedding = (shape.Vocab * h) + (shape.Position == PositionEmbedding.Learned ? shape.SeqLength * h : 0);
        var headMatmul = shape.Vocab * h;
        var outputHead = shape.TiedEmbeddings ? 0 : headMatmul;
        var finalNorm = h;
        var lora = loraRank * layers * ((h + h) + (h + shape.KvHidden));
        var linear = layers * (attention + (mlp * shape.Experts) + router);

        var total = (perLayer * layers) + inputEmbedding + outputHead + finalNorm;
        var active = (perLayerActive * layers) + inputEmbedding + outputHead + finalNorm;
        if (statedParameters is { } stated && shape.Inferred)
        {
            // The user's count is the truth; the inferred shape only apportions it between the blocks and the embeddings.
            var scale = Math.Max(0, stated - inputEmbedding - outputHead - finalNorm) / (perLayer * layers);
            return new ParameterCount(stated, stated, perLayer * scale, perLayer * scale, inputEmbedding, outputHead,
                headMatmul, finalNorm, linear * scale, lora);
        }

        return new ParameterCount(total, active, perLayer, perLayerActive, inputEmbedding, outputHead, headMatmul, finalNorm, linear, lora)
        {
            ExpertsPerLayer = shape.IsMoe ? mlp * shape.Experts : 0,
        };
    }

    /// <summary>GELU: up and down projections (2·h·f); SwiGLU: gate, up and down (3·h·f).</summary>
    private static double MlpParameters(MlpKind mlp, double h, double ffn) => mlp == MlpKind.SwiGlu ? 3 * h * ffn : 2 * h * ffn;
}
