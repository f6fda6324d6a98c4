namespace Scheduler.Simulation.Cluster;

/// <summary>A group of identical simulated GPU nodes. Nodes are named <c>{prefix}-{index}</c> and put <see cref="NodesPerRack"/> to a rack.</summary>
public sealed record SimulatedNodePool(string GpuType, int Nodes, int GpusPerNode = 8)
{
    /// <summary>Defaults to the GPU type in lower case (<c>sim-h100-sxm-0</c>).</summary>
    public string? NamePrefix { get; init; }

    /// <summary>Value of the <c>topology.gpu-scheduler.io/rack</c> label changes every this many nodes (an NVLink/switch domain).</summary>
    public int NodesPerRack { get; init; } = 2;

    /// <summary>Value of the <c>topology.gpu-scheduler.io/block</c> label (a spine's block of racks) changes every this many racks.</summary>
    public int RacksPerBlock { get; init; } = 2;

    public string Prefix => NamePrefix ?? "sim-" + GpuType.ToLowerInvariant();
}
