namespace Scheduler.Core.Placement;

/// <summary>
/// Domain-level packing, the same idea as GPU fragmentation one level up: a job goes into the tightest single domain (rack,
/// block…) that holds all of it, so domains still whole stay whole for the gangs that need one; a gang that no single domain
/// holds goes over the fewest domains (the roomiest first); only when even that fails does it go anywhere.
/// </summary>
internal sealed class DomainPacker(GangPlacer gang)
{
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
