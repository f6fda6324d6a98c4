using System.Text.Json.Serialization;

namespace Scheduler.Domain.Specs;

/// <summary>
/// Where a multi-pod job's pods may go in the cluster's interconnect hierarchy (Kueue's topology-aware scheduling, Volcano's
/// HyperNodes): within one domain of <see cref="Level"/> (<see cref="TopologyMode.Required"/>), or packed into the fewest such
/// domains (<see cref="TopologyMode.Preferred"/>). The operator reads each level's domain from a configured node label.
/// </summary>
public sealed record TopologySpec
{
    public TopologyLevel? Level { get; init; }

    /// <summary>Defaults to <see cref="TopologyMode.Required"/>.</summary>
    public TopologyMode? Mode { get; init; }
}

/// <summary>Interconnect levels from the tightest (one node) to the widest (a zone).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TopologyLevel>))]
public enum TopologyLevel
{
    /// <summary>One node: NVLink/NVSwitch inside it.</summary>
    [JsonStringEnumMemberName("node")] Node,

    /// <summary>An NVLink domain across nodes (GB200 NVL72; NVIDIA GPU feature discovery's <c>nvidia.com/gpu.clique</c>).</summary>
    [JsonStringEnumMemberName("clique")] Clique,

    /// <summary>One rack: one leaf switch.</summary>
    [JsonStringEnumMemberName("rack")] Rack,

    /// <summary>A block of racks under one spine (an InfiniBand block).</summary>
    [JsonStringEnumMemberName("block")] Block,

    [JsonStringEnumMemberName("zone")] Zone,
}

[JsonConverter(typeof(JsonStringEnumConverter<TopologyMode>))]
public enum TopologyMode
{
    /// <summary>All pods in one domain, or the job waits.</summary>
    [JsonStringEnumMemberName("required")] Required,

    /// <summary>As few domains as possible; spread wider rather than wait.</summary>
    [JsonStringEnumMemberName("preferred")] Preferred,
}

public static class TopologyLevels
{
    /// <summary>The wire name (<c>rack</c>), as the spec and pending reasons write it.</summary>
    public static string WireName(this TopologyLevel level) => level switch
    {
        TopologyLevel.Node => "node",
        TopologyLevel.Clique => "clique",
        TopologyLevel.Rack => "rack",
        TopologyLevel.Block => "block",
        _ => "zone",
    };
}
