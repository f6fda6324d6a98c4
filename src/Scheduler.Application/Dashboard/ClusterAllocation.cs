namespace Scheduler.Application.Dashboard;

/// <summary>One GPU of a node: thousandths allocated (capped at 1000) and the jobs sharing it.</summary>
public sealed record GpuAllocation(int Index, int AllocatedMilli, IReadOnlyList<Guid> Jobs);

/// <summary>A node's GPUs, index by index.</summary>
public sealed record NodeAllocation(ClusterNode Node, IReadOnlyList<GpuAllocation> Gpus)
{
    /// <summary>Allocated GPUs; a fraction counts as its share.</summary>
    public double AllocatedGpus => Gpus.Sum(g => g.AllocatedMilli) / 1000.0;
}

/// <summary>Which GPU of which node each pod holds, from the pods' bindings and the scheduler's GPU-index annotations.</summary>
public static class ClusterAllocation
{
    public const int WholeGpuMilli = 1000;

    public static IReadOnlyList<NodeAllocation> Of(ClusterSnapshot state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var holders = state.Pods.Where(p => p.HoldsGpus).ToLookup(p => p.Node!, StringComparer.Ordinal);
        return state.Nodes.OrderBy(n => n.GpuType, StringComparer.Ordinal).ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(node => new NodeAllocation(node, Enumerable.Range(0, node.GpuCount).Select(index =>
            {
                var pods = holders[node.Name].Where(p => p.GpuIndices.Contains(index)).ToList();
                var milli = Math.Min(WholeGpuMilli, pods.Sum(p => p.GpuMilli));
                return new GpuAllocation(index, milli, pods.Select(p => p.JobId).Distinct().ToList());
            }).ToList()))
            .ToList();
    }

    /// <summary>The GPU type each job's pods run on (the node's type), for jobs bound to a known node.</summary>
    public static IReadOnlyDictionary<Guid, string> PlacedGpuTypes(ClusterSnapshot state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var typeOfNode = state.Nodes.ToDictionary(n => n.Name, n => n.GpuType, StringComparer.Ordinal);
        var placed = new Dictionary<Guid, string>();
        foreach (var pod in state.Pods.Where(p => p.HoldsGpus))
        {
            if (typeOfNode.TryGetValue(pod.Node!, out var type))
            {
                placed.TryAdd(pod.JobId, type);
            }
        }

        return placed;
    }
}
