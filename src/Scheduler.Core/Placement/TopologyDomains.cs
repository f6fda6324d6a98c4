using Scheduler.Core.Snapshots;
using Scheduler.Domain.Specs;

namespace Scheduler.Core.Placement;

/// <summary>
/// The snapshot's nodes grouped into domains at each interconnect level (<see cref="NodeInfo.Topology"/>), built on first use:
/// a domain id per node (-1 where the node's labels do not name the level) and the domains' names.
/// </summary>
internal sealed class TopologyDomains
{
    private readonly IReadOnlyList<NodeInfo> _nodes;
    private readonly Levels?[] _levels = new Levels?[Enum.GetValues<TopologyLevel>().Length];

    public TopologyDomains(IReadOnlyList<NodeInfo> nodes)
    {
        _nodes = nodes;
        foreach (var node in nodes)
        {
            if (node.Topology is not null)
            {
                Any = true;
                break;
            }
        }

        if (Any)
        {
            foreach (var level in Enum.GetValues<TopologyLevel>())
            {
                Labelled |= Build(level).Names.Count > 0 ? 1 << (int)level : 0;
            }
        }
    }

    /// <summary>A bit per level that at least one node names (node level whenever any node has topology); 0 without topology.</summary>
    public int Labelled { get; }

    /// <summary>Whether any node carries topology at all (without it, no domain-level placement runs).</summary>
    public bool Any { get; }

    public (int[] DomainOf, int Count) Of(TopologyLevel level)
    {
        var built = Build(level);
        return (built.DomainOf, built.Names.Count);
    }

    public IReadOnlyList<string> Names(TopologyLevel level) => Build(level).Names;

    /// <summary>Whether at least one node names its domain at <paramref name="level"/>.</summary>
    public bool Has(TopologyLevel level) => Any && Build(level).Names.Count > 0;

    private Levels Build(TopologyLevel level)
    {
        if (_levels[(int)level] is { } known)
        {
            return known;
        }

        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var names = new List<string>();
        var domainOf = new int[_nodes.Count];
        for (var n = 0; n < _nodes.Count; n++)
        {
            var node = _nodes[n];
            // Node level needs no labels: each node is its own domain.
            var name = level == TopologyLevel.Node ? node.Name : node.Topology?.At(level, node.Name);
            if (name is null)
            {
                domainOf[n] = -1;
                continue;
            }

            if (!ids.TryGetValue(name, out var id))
            {
                id = names.Count;
                ids[name] = id;
                names.Add(name);
            }

            domainOf[n] = id;
        }

        return _levels[(int)level] = new Levels(domainOf, names);
    }

    private sealed record Levels(int[] DomainOf, List<string> Names);
}
