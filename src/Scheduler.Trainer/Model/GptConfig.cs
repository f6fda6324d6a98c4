namespace Scheduler.Trainer.Model;

/// <summary>The decoder-only GPT the trainer builds: learned positions, pre-norm blocks, GELU MLP, linear layers without bias.</summary>
internal sealed record GptConfig(int Layers, int HiddenSize, int Heads, int KvHeads, int FfnHiddenSize, int VocabSize, int SeqLength, bool TiedEmbeddings)
{
    public int HeadDim => HiddenSize / Heads;

    /// <summary>Query heads that share one key/value head.</summary>
    public int GroupSize => Heads / KvHeads;

    /// <summary>Width of the fused query/key/value projection.</summary>
    public int QkvSize => (Heads + 2 * KvHeads) * HeadDim;

    public int KvSize => KvHeads * HeadDim;

    /// <summary>Training FLOPs per token: 6·N for the weight multiplies plus 12·L·h·s for attention (the estimator's term, docs/admission.md).</summary>
    /// <remarks>Lookups cost nothing, so the embedding tables leave N; the LM head multiply counts whether tied or not.</remarks>
    public double FlopsPerToken(long parameters)
    {
        var tables = (long)VocabSize * HiddenSize + (long)SeqLength * HiddenSize;
        var lmHead = (long)VocabSize * HiddenSize;
        var multiplied = parameters - tables + (TiedEmbeddings ? lmHead : 0);
        return 6.0 * multiplied + 12.0 * Layers * HiddenSize * SeqLength;
    }
}
