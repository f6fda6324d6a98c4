using Scheduler.Trainer.Model;

namespace Scheduler.Trainer.Data;

/// <summary>
/// A deterministic corpus with something to learn and nothing to download: a seeded order-1 Markov chain where every token
/// has one preferred successor (taken with probability <see cref="FollowProbability"/>), else a uniform token. A model
/// that learns the successor table drives the loss from ln V towards the chain's entropy (about 0.7 nats for small V).
/// </summary>
internal sealed class SyntheticCorpus(int vocabSize, int length, int seed) : ITokenSource
{
    public const double FollowProbability = 0.85;

    public DataCursor Start() => new(0, TrainerRandom.Hash((ulong)seed, 0xC0FFEE));

    public void Read(DataCursor cursor, int index, Span<int> inputs, Span<int> targets)
    {
        var random = new TrainerRandom(TrainerRandom.Hash(cursor.RngState, (ulong)index));
        var token = random.NextInt(vocabSize);
        for (var t = 0; t <= length; t++)
        {
            if (t < length)
            {
                inputs[t] = token;
            }

            if (t > 0)
            {
                targets[t - 1] = token;
            }

            token = random.NextDouble() < FollowProbability ? Successor(token) : random.NextInt(vocabSize);
        }
    }

    public DataCursor Advance(DataCursor cursor, int sequences)
    {
        var random = new TrainerRandom(cursor.RngState);
        random.Next();
        return new DataCursor(cursor.Position + sequences, random.State);
    }

    // The successor table is a function of the seed only, so it stays the same as the stream advances.
    private int Successor(int token) => (int)(TrainerRandom.Hash((ulong)seed ^ 0x5EED_0000_0000UL, (ulong)token) % (ulong)vocabSize);
}
