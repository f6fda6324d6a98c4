using Scheduler.Core.Snapshots;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// The node labels that name a node's domain at each interconnect level (<c>Scheduler:Kubernetes:NodeLabels</c>: <c>Zone</c>,
/// <c>Block</c>, <c>Rack</c>, <c>Clique</c>). A node with none of them has no topology; a job requiring a level waits for nodes
/// that carry its label.
/// </summary>
public sealed record TopologyLabels(string Zone, string Block, string Rack, string Clique)
{
    public const string DefaultZone = "topology.kubernetes.io/zone";
    public const string DefaultBlock = "topology.gpu-scheduler.io/block";
    public const string DefaultRack = "topology.gpu-scheduler.io/rack";

    /// <summary>NVIDIA GPU feature discovery's NVLink domain label (GB200-class systems).</summary>
    public const string DefaultClique = "nvidia.com/gpu.clique";

    public static TopologyLabels Default { get; } = new(DefaultZone, DefaultBlock, DefaultRack, DefaultClique);

    /// <summary>Null when the node carries none of the labels.</summary>
    public NodeTopology? Read(IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var topology = new NodeTopology
        {
            Zone = Value(labels, Zone),
            Block = Value(labels, Block),
            Rack = Value(labels, Rack),
            Clique = Value(labels, Clique),
        };
        return topology is { Zone: null, Block: null, Rack: null, Clique: null } ? null : topology;
    }

    private static string? Value(IReadOnlyDictionary<string, string> labels, string key) =>
        key.Length > 0 && labels.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
}
