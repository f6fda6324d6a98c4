using Scheduler.Domain.Specs;

namespace Scheduler.Core.Snapshots;

/// <summary>
/// Where a node sits in the interconnect hierarchy: the domain it belongs to at each level (null where its labels do not say).
/// The operator reads these from node labels whose keys are configuration (docs/scheduling.md "Topology").
/// </summary>
public sealed record NodeTopology
{
    public string? Zone { get; init; }

    /// <summary>A block of racks under one spine switch.</summary>
    public string? Block { get; init; }

    public string? Rack { get; init; }

    /// <summary>An NVLink domain spanning nodes (GB200 NVL72).</summary>
    public string? Clique { get; init; }

    /// <summary>The node's domain at <paramref name="level"/>; at <see cref="TopologyLevel.Node"/> the node itself.</summary>
    public string? At(TopologyLevel level, string node) => level switch
    {
        TopologyLevel.Node => node,
        TopologyLevel.Clique => Clique,
        TopologyLevel.Rack => Rack,
        TopologyLevel.Block => Block,
        _ => Zone,
    };
}

/// <summary>A job's topology constraint: its pods within one domain of <see cref="Level"/>, or packed into the fewest.</summary>
public sealed record TopologyRequest(TopologyLevel Level, TopologyMode Mode = TopologyMode.Required);
