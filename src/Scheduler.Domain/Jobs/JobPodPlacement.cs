namespace Scheduler.Domain.Jobs;

/// <summary>
/// Where one pod (rank) of an admitted job runs: the node, the GPU indices on it, the thousandths of each GPU it uses
/// (1000 for whole GPUs), and its CPU (millicores) and memory (MiB) requests. Stored with the job, so the capacity an
/// admitted job holds is known even before its pods exist. <see cref="Rack"/> is the node's rack label when the scheduler placed
/// it (null: unlabelled, or stored before racks were): the estimate is repriced for the racks a placement spans.
/// </summary>
public sealed record JobPodPlacement(int Rank, string Node, IReadOnlyList<int> GpuIndices, int GpuMilli, long CpuMilli, long MemoryMiB, string? Rack = null);
