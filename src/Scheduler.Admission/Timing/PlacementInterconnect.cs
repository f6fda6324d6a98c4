namespace Scheduler.Admission.Timing;

/// <summary>
/// Where a placed job's GPUs actually are, for the communication terms: the fewest of its GPUs on one node (what a ring or
/// tree all-reduce drives over each node's links), how many nodes and how many racks it spans. Without it the estimate
/// assumes the spec's packing (<c>resources.gpusPerNode</c> per node) inside one rack.
/// </summary>
public sealed record PlacementInterconnect(int GpusPerNode, int Nodes, int Racks = 1)
{
    /// <summary>
    /// Traffic that leaves a rack crosses the spine, which fat-tree GPU fabrics commonly build 2:1 oversubscribed (and
    /// rail-optimised designs 1:1): each GPU's inter-node share is divided by this once the job spans racks. 1 for a
    /// non-blocking fabric.
    /// </summary>
    public double SpineOversubscription { get; init; } = 2;

    /// <summary>From the pods of a placement: (node, rack or null, GPUs on that node).</summary>
    public static PlacementInterconnect Of(IEnumerable<(string Node, string? Rack, int Gpus)> pods)
    {
        ArgumentNullException.ThrowIfNull(pods);
        var perNode = new Dictionary<string, (string? Rack, int Gpus)>(StringComparer.Ordinal);
        foreach (var (node, rack, gpus) in pods)
        {
            perNode[node] = (rack, perNode.GetValueOrDefault(node).Gpus + gpus);
        }

        if (perNode.Count == 0)
        {
            return new PlacementInterconnect(1, 1);
        }

        // A node without a rack label counts as a rack of its own: nothing says it shares a leaf switch.
        var racks = perNode.Select(p => p.Value.Rack ?? "node:" + p.Key).Distinct(StringComparer.Ordinal).Count();
        return new PlacementInterconnect(perNode.Values.Min(v => v.Gpus), perNode.Count, racks);
    }

    /// <summary>Per-GPU bandwidth (GB/s) of a collective over <paramref name="groupRanksPerNode"/> ranks of one node on this placement.</summary>
    internal double Bandwidth(double intraNode, double interNode, long groupRanksPerNode)
    {
        if (Nodes <= 1)
        {
            return intraNode;
        }

        var network = interNode * Math.Max(1, groupRanksPerNode) / (Racks > 1 ? Math.Max(1, SpineOversubscription) : 1);
        return Math.Min(intraNode, network);
    }
}
