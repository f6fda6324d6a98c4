namespace Scheduler.Core.Placement;

/// <summary>What one pod needs, in the cluster state's terms (type ids as a bit mask).</summary>
internal struct PodRequest
{
    /// <summary>GPUs per pod; 0 for a CPU-only pod.</summary>
    public int Gpus;

    /// <summary>Milli taken on each GPU: 1000 for whole GPUs, 1–999 for a shared one.</summary>
    public int Milli;

    public long Cpu;
    public long Mem;

    /// <summary>Bit t set: GPU type id t is acceptable.</summary>
    public ulong TypeMask;

    /// <summary>Predicted end in ticks (<see cref="long.MaxValue"/> when unknown); reserved nodes take only pods that end before the reservation.</summary>
    public long EndTicks;

    /// <summary>Per taint group: whether the pod tolerates it; null: tolerates none.</summary>
    public bool[]? ToleratedGroups;

    /// <summary>With <see cref="DomainOf"/>: only nodes whose domain id equals <see cref="Domain"/>.</summary>
    public int[]? DomainOf;
    public int Domain;

    public static PodRequest Create(int gpus, int milli, long cpu, long mem, ulong typeMask = ulong.MaxValue) => new()
    {
        Gpus = gpus,
        Milli = gpus == 0 ? 0 : milli,
        Cpu = cpu,
        Mem = mem,
        TypeMask = typeMask,
        EndTicks = long.MaxValue,
    };

    public readonly bool Shared => Gpus == 1 && Milli < ClusterState.WholeGpu;

    public readonly long GpuMilli => (long)Gpus * Milli;
}
