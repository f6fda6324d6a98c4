namespace Scheduler.Core.Snapshots;

/// <summary>
/// One node as the cycle sees it: its GPU type (a plain string such as <c>H100-SXM</c> or the trace's <c>V100M16</c>; null for a
/// CPU-only node), the free milli of each GPU (1000 = wholly free) and the free CPU and memory, after the running jobs.
/// </summary>
public sealed record NodeInfo
{
    public required string Name { get; init; }

    public string? GpuType { get; init; }

    /// <summary>Free thousandths of each GPU, indexed like the device plugin's GPU indices; its length is the node's GPU count.</summary>
    public IReadOnlyList<int> GpuFreeMilli { get; init; } = [];

    public long CpuMilliFree { get; init; }

    public long MemoryMiBFree { get; init; }

    /// <summary>Node labels; a job's <see cref="PendingJob.TopologyKey"/> names one of them.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<Taint> Taints { get; init; } = [];

    /// <summary>The node's rack, block, zone and NVLink clique; null: unknown (the job's <see cref="PendingJob.Topology"/> cannot use it).</summary>
    public NodeTopology? Topology { get; init; }

    public bool Unschedulable { get; init; }

    public bool Ready { get; init; } = true;

    /// <summary>A node that takes no new pods: cordoned, not ready.</summary>
    internal bool AcceptsPods => Ready && !Unschedulable;
}
