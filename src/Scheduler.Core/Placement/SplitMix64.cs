namespace Scheduler.Core.Placement;

/// <summary>A tiny seeded generator whose sequence never changes across runtime versions (System.Random's may).</summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound).</summary>
    public int NextInt(int bound) => (int)((Next() >> 33) % (ulong)bound);

    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));
}
