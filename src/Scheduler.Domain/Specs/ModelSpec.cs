namespace Scheduler.Domain.Specs;

/// <summary>The transformer to train. Either the dimensions or <see cref="Parameters"/> alone.</summary>
public sealed record ModelSpec
{
    public ModelArchitecture? Architecture { get; init; }

    public int? Layers { get; init; }

    public int? HiddenSize { get; init; }

    /// <summary>Attention (query) heads.</summary>
    public int? Heads { get; init; }

    /// <summary>Key/value heads for grouped-query attention; defaults to <see cref="Heads"/> (plain multi-head).</summary>
    public int? KvHeads { get; init; }

    /// <summary>MLP inner width; defaults to 4·h (gelu) or 8/3·h rounded up to a multiple of 256 (swiglu).</summary>
    public int? FfnHiddenSize { get; init; }

    public MlpKind? Mlp { get; init; }

    public PositionEmbedding? PositionEmbedding { get; init; }

    public int? VocabSize { get; init; }

    /// <summary>Tokens per training sequence.</summary>
    public int? SeqLength { get; init; }

    public bool? TiedEmbeddings { get; init; }

    /// <summary>Total parameter count, for models the dimensions cannot describe.</summary>
    public double? Parameters { get; init; }

    public MoeSpec? Moe { get; init; }
}

/// <summary>Mixture of experts: every MLP is replaced by <see cref="Experts"/> experts of which <see cref="ActiveExperts"/> run per token.</summary>
public sealed record MoeSpec
{
    public int? Experts { get; init; }

    /// <summary>Experts routed per token (top-k).</summary>
    public int? ActiveExperts { get; init; }

    /// <summary>Inner width of one expert; defaults to the model's FFN width.</summary>
    public int? ExpertFfnHiddenSize { get; init; }
}
