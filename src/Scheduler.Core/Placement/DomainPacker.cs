namespace Scheduler.Core.Placement;

/// <summary>
/// Domain-level packing, the same idea as GPU fragmentation one level up: a job goes into the tightest single domain (rack,
/// block…) that holds all of it, so domains still whole stay whole for the gangs that need one; a gang that no single domain
/// holds goes over the fewest domains (the roomiest first); only when even that fails does it go anywhere. A single pod goes
/// to any node of a domain already broken (some GPU in use), chosen by the policy, so node-level packing is kept across those
/// domains and whole domains stay whole.
/// </summary>
internal sealed class DomainPacker(GangPlacer gang)
{
    /// <summary>One pod: on a node of a domain already in use, else anywhere.</summary>
    public GangPlacement[]? TryPlaceInBrokenDomains(PodRequest pod, int[] domainOf, int count)
    {
        var state = gang.Selector.State;
        var broken = new bool[count];
        for (var n = 0; n < state.NodeCount; n++)
        {
            if (domainOf[n] >= 0 && state.FreeMilli[n] < state.GpuCount[n] * ClusterState.WholeGpu)
            {
                broken[domainOf[n]] = true;
            }
        }

        var scope = new int[state.NodeCount];
        var any = false;
        for (var n = 0; n < scope.Length; n++)
        {
            scope[n] = domainOf[n] >= 0 && broken[domainOf[n]] ? 0 : -1;
            any |= scope[n] == 0;
        }

        if (any)
        {
            var scoped = pod;
            scoped.DomainOf = scope;
            scoped.Domain = 0;
            if (gang.PlaceAll(1, scoped) is { } placed)
            {
                return placed;
            }
        }

        return gang.PlaceAll(1, pod);
    }

    public GangPlacement[]? TryPlace(int pods, PodRequest pod, int[] domainOf, int count)
    {
        var capacity = gang.DomainCapacity(pod, domainOf, count);
        if (gang.TryPlaceInOneDomain(pods, pod, domainOf, capacity) is { } inOne)
        {
            return inOne;
        }

        if (pods > 1 && FewestDomains(pods, domainOf, capacity) is { } chosen)
        {
            var scoped = pod;
            scoped.DomainOf = chosen;
            scoped.Domain = 0;
            if (gang.PlaceAll(pods, scoped) is { } spread)
            {
                return spread;
            }
        }

        return gang.TryPlace(pods, pod, null, 0);
    }

    /// <summary>Nodes of the fewest domains that together hold the gang marked 0 (the rest -1); null when all of them do not.</summary>
    private static int[]? FewestDomains(int pods, int[] domainOf, long[] capacity)
    {
        var order = new int[capacity.Length];
        for (var d = 0; d < order.Length; d++)
        {
            order[d] = d;
        }

        // Roomiest first (ties by id, so a cycle is deterministic).
        Array.Sort(order, (a, b) => capacity[a] != capacity[b] ? capacity[b].CompareTo(capacity[a]) : a.CompareTo(b));
        var chosen = new bool[capacity.Length];
        long sum = 0;
        foreach (var d in order)
        {
            if (sum >= pods || capacity[d] == 0)
            {
                break;
            }

            chosen[d] = true;
            sum += capacity[d];
        }

        if (sum < pods)
        {
            return null;
        }

        var scope = new int[domainOf.Length];
        for (var n = 0; n < scope.Length; n++)
        {
            scope[n] = domainOf[n] >= 0 && chosen[domainOf[n]] ? 0 : -1;
        }

        return scope;
    }
}
