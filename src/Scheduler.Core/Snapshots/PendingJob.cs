namespace Scheduler.Core.Snapshots;

/// <summary>
/// A job waiting for capacity. Its gang is <see cref="Pods"/> pods of <see cref="GpusPerPod"/> whole GPUs each, or one pod on
/// <see cref="GpuMilli"/> thousandths of one GPU (a shared GPU); every pod needs <see cref="CpuMilliPerPod"/> and <see cref="MemoryMiBPerPod"/>.
/// </summary>
public sealed record PendingJob
{
    public required string Id { get; init; }

    public required string Queue { get; init; }

    public int Priority { get; init; }

    /// <summary>Shown in pending reasons; defaults to the number.</summary>
    public string? PriorityClass { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public int Pods { get; init; } = 1;

    public int GpusPerPod { get; init; }

    /// <summary>1–999: a fraction of one GPU (then <see cref="Pods"/> and <see cref="GpusPerPod"/> are 1); null: whole GPUs.</summary>
    public int? GpuMilli { get; init; }

    /// <summary>Acceptable GPU types in order of preference; empty: any type.</summary>
    public IReadOnlyList<string> GpuTypes { get; init; } = [];

    public long CpuMilliPerPod { get; init; }

    public long MemoryMiBPerPod { get; init; }

    /// <summary>A node label all pods' nodes must share (a rack, an NVLink domain); null: anywhere.</summary>
    public string? TopologyKey { get; init; }

    /// <summary>Pods within one domain of a level (required) or in as few as can hold them (preferred); null: no constraint.</summary>
    public TopologyRequest? Topology { get; init; }

    public IReadOnlyList<Toleration> Tolerations { get; init; } = [];

    public TimeSpan? PredictedRuntime { get; init; }

    public int PreemptionCount { get; init; }

    public DateTimeOffset? LastPreemptedAt { get; init; }

    /// <summary>GPU milli per pod: 1000 per whole GPU, or the fraction.</summary>
    internal int MilliPerGpu => GpuMilli is { } milli and < 1000 ? milli : 1000;

    internal int GpuCountPerPod => GpuMilli is { } milli and < 1000 ? (milli > 0 ? 1 : 0) : GpusPerPod;

    internal long TotalGpuMilli => (long)Pods * GpuCountPerPod * MilliPerGpu;
}
