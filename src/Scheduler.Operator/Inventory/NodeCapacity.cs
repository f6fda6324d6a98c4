namespace Scheduler.Operator.Inventory;

/// <summary>A GPU node's allocatable capacity as the API server reports it, with its GPU model mapped to a catalog type.</summary>
public sealed record NodeCapacity(
    string Name,
    string? GpuType,
    int Gpus,
    long CpuMilli,
    long MemoryMiB,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<Core.Snapshots.Taint> Taints,
    bool Unschedulable,
    bool Ready);
