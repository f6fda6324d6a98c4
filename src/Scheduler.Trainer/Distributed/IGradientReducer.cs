namespace Scheduler.Trainer.Distributed;

/// <summary>Collective operations across data-parallel ranks. A single-rank run has none.</summary>
internal interface IGradientReducer : IDisposable
{
    int Rank { get; }

    int WorldSize { get; }

    /// <summary>Element-wise sum over all ranks; every rank ends with the same values.</summary>
    void AllReduceSum(float[] values);

    /// <summary>Rank 0's bytes to every rank (others pass null and receive them).</summary>
    byte[] Broadcast(byte[]? payload);
}
