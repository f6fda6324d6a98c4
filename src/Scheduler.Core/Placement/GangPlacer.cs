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

        return TryPlaceInOneDomain(pods, pod, domainOf, DomainCapacity(pod, domainOf, domainCount));
    }

    /// <summary>How many pods of this shape each domain could take now.</summary>
    public long[] DomainCapacity(in PodRequest pod, int[] domainOf, int domainCount)
    {
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

        return capacity;
    }

    /// <summary>The whole gang inside one domain, trying the tightest domain that can hold it first; null when none can.</summary>
    public GangPlacement[]? TryPlaceInOneDomain(int pods, PodRequest pod, int[] domainOf, long[] capacity)
    {
        var order = new List<int>();
        for (var d = 0; d < capacity.Length; d++)
        {
            if (capacity[d] >= pods)
            {
                order.Add(d);
            }
        }

        order.Sort((a, b) => capacity[a] != capacity[b] ? capacity[a].CompareTo(capacity[b]) : a.CompareTo(b));
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

    public GangPlacement[]? PlaceAll(int pods, in PodRequest pod)
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
