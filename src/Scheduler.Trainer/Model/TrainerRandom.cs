namespace Scheduler.Trainer.Model;

/// <summary>
/// The trainer's PRNG, SplitMix64 (Steele et al.), tiny and fully specified: its whole state is one ulong, so it is checkpointed exactly
/// and gives the same numbers on every runtime, unlike <see cref="Random"/> whose algorithm is an implementation detail.
/// </summary>
internal struct TrainerRandom(ulong state)
{
    public ulong State { readonly get; private set; } = state;

    public ulong Next()
    {
        State += 0x9E3779B97F4A7C15UL;
        var z = State;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    public int NextInt(int exclusiveMax) => (int)(Next() % (ulong)exclusiveMax);

    /// <summary>Standard normal by Box–Muller (one value per call; simplicity beats the wasted second value here).</summary>
    public double NextGaussian()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>A well-mixed value for a key, for random access (sequence i of a corpus) without replaying a stream.</summary>
    public static ulong Hash(ulong a, ulong b)
    {
        var mix = new TrainerRandom(a * 0xD6E8FEB86659FD93UL ^ b);
        mix.Next();
        return mix.Next();
    }
}
