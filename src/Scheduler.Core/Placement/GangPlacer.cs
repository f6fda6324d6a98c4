namespace Scheduler.Core.Placement;

/// <summary>
/// Places a gang (every pod of a job) or nothing: pods go one by one through the node selector, preferring nodes that take more of
/// the remaining pods (fewest nodes); with a topology key, all pods stay in one domain — the tightest domain that holds them.
/// On failure every assumed pod is rolled back.
/// </summary>
internal sealed class GangPlacer(NodeSelector selector)
{
    public NodeSelector Selector => selector;

    /// <summary>Places <paramref name="pods"/> pods of shape <paramref name="pod"/>; null when the gang does not fit.</summary>
    public GangPlacement[]? TryPlace(int pods, PodRequest pod, int[]? domainOf, int domainCount)
    {
        if (domainOf is null || pods <= 1)
        {
            return PlaceAll(pods, pod);
        }

        // Capacity of each domain for this shape; try the tightest domain that can hold the whole gang first.
        var capacity = new long[domainCount];
        var state = selector.State;
        for (var n = 0; n < state.NodeCount; n++)
        {
            var d = domainOf[n];
            if (d >= 0)
            {
                capacity[d] += selector.PodsThatFit(n, pod);
            }
        }

        var order = Enumerable.Range(0, domainCount).Where(d => capacity[d] >= pods).OrderBy(d => capacity[d]).ThenBy(d => d).ToArray();
        foreach (var domain in order)
        {
            var scoped = pod;
            scoped.DomainOf = domainOf;
            scoped.Domain = domain;
            if (PlaceAll(pods, scoped) is { } placed)
            {
                return placed;
            }
        }

        return null;
    }

    private GangPlacement[]? PlaceAll(int pods, in PodRequest pod)
    {
        var state = selector.State;
        var mark = state.Mark();
        var placed = new GangPlacement[pods];
        for (var rank = 0; rank < pods; rank++)
        {
            var node = selector.SelectNode(pod, pods - rank);
            if (node < 0)
            {
                state.Rollback(mark);
                return null;
            }

            placed[rank] = new GangPlacement(node, selector.Assign(node, pod));
        }

        return placed;
    }
}

/// <summary>One pod of a placed gang: node index and node-local GPU indices.</summary>
internal readonly record struct GangPlacement(int Node, int[] Gpus);
