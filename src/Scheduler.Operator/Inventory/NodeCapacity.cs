namespace Scheduler.Operator.Inventory;

/// <summary>
/// A GPU node's allocatable capacity as the API server reports it, with its GPU model mapped to a catalog type.
/// <see cref="Ready"/> is false while the Ready condition is not True or the node carries the node lifecycle controller's
/// <c>not-ready</c>/<c>unreachable</c> taints; <see cref="NotReadySince"/> is when that began, as the node itself records it.
/// </summary>
public sealed record NodeCapacity(
    string Name,
    string? GpuType,
    int Gpus,
    long CpuMilli,
    long MemoryMiB,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyList<Core.Snapshots.Taint> Taints,
    bool Unschedulable,
    bool Ready,
    DateTimeOffset? NotReadySince = null,
    Core.Snapshots.NodeTopology? Topology = null);
