using Scheduler.Trainer.Model;

namespace Scheduler.Trainer.Tests.Support;

/// <summary>Models small enough for fp64 finite differences and ILGPU's CPU emulator.</summary>
internal static class TinyModels
{
    /// <summary>2 layers, h=8, 4 query heads sharing 2 key/value heads, untied head.</summary>
    public static GptConfig GroupedQuery => new(Layers: 2, HiddenSize: 8, Heads: 4, KvHeads: 2, FfnHiddenSize: 12, VocabSize: 11, SeqLength: 5, TiedEmbeddings: false);

    /// <summary>1 layer, plain multi-head attention, tied embeddings.</summary>
    public static GptConfig Tied => new(Layers: 1, HiddenSize: 8, Heads: 2, KvHeads: 2, FfnHiddenSize: 16, VocabSize: 9, SeqLength: 4, TiedEmbeddings: true);

    public static (int[] Inputs, int[] Targets) Batch(GptConfig config, int batch, int seed)
    {
        var random = new TrainerRandom((ulong)seed);
        var inputs = new int[batch * config.SeqLength];
        var targets = new int[inputs.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = random.NextInt(config.VocabSize);
            targets[i] = random.NextInt(config.VocabSize);
        }

        return (inputs, targets);
    }

    /// <summary>Initial weights with norms perturbed off 1/0 so their gradients are exercised too, and larger matrices.</summary>
    public static float[] Weights(ParameterLayout layout, int seed)
    {
        var weights = layout.Initialize(seed);
        var random = new TrainerRandom((ulong)seed + 99);
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = weights[i] * 10f + (float)(random.NextGaussian() * 0.1);
        }

        return weights;
    }
}
