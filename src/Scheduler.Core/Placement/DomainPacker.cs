using Scheduler.Domain.Specs;

namespace Scheduler.Core.Placement;

/// <summary>
/// Domain-level packing over nested levels, the same idea as GPU fragmentation one level up (levels are a bit mask, see
/// <see cref="TopologyGuard"/>; they nest in their order: clique ⊂ rack ⊂ block ⊂ zone). A gang goes into the smallest single
/// domain that holds it — the innermost level first, and at each level the domains inside an enclosing domain already broken
/// first, then the tightest — so domains still whole stay whole for the gangs that need one; inside that domain it goes over
/// the fewest domains of the level below (the roomiest first), and so on down. A gang no single domain holds goes over the
/// fewest domains of the outermost level; only when even that fails does it go anywhere (never for a required level). A single
/// pod goes to a node of a domain already broken (some GPU in use), chosen by the policy — the innermost such level first — so
/// node-level packing is kept across those domains and whole domains stay whole.
/// </summary>
internal sealed class DomainPacker(GangPlacer gang, TopologyDomains domains)
{
    private static readonly TopologyLevel[] AllLevels = Enum.GetValues<TopologyLevel>();

    /// <summary>One pod: on a node of a broken domain of the innermost level that has room, else anywhere.</summary>
    public GangPlacement[]? TryPlaceInBrokenDomains(PodRequest pod, int levels)
    {
        foreach (var level in Ascending(levels))
        {
            var (domainOf, count) = domains.Of(level);
            var broken = Broken(domainOf, count);
            var scope = new int[domainOf.Length];
            var any = false;
            for (var n = 0; n < scope.Length; n++)
            {
                scope[n] = domainOf[n] >= 0 && broken[domainOf[n]] ? 0 : -1;
                any |= scope[n] == 0;
            }

            if (any && gang.PlaceAll(1, Scoped(pod, scope)) is { } placed)
            {
                return placed;
            }
        }

        return gang.PlaceAll(1, pod);
    }

    /// <param name="required">The level whose one domain the gang must stay in (then it is part of <paramref name="levels"/>); null: none.</param>
    public GangPlacement[]? TryPlace(int pods, PodRequest pod, int levels, TopologyLevel? required)
    {
        var order = Ascending(levels);
        if (required is { } must)
        {
            // Inside one domain of the required level (tightest first), and inside it a single domain of the level below
            // if one holds the gang, else the fewest.
            return InOneDomain(pods, pod, order, Array.IndexOf(order, must), null, splitInside: true);
        }

        // The innermost level at which one domain holds the gang; below it nothing single does (the levels nest), so inside it the
        // gang goes over the fewest domains of each level below.
        for (var i = 0; i < order.Length; i++)
        {
            if (InOneDomain(pods, pod, order, i, null, splitInside: false) is { } placed)
            {
                return placed;
            }
        }

        if (pods > 1 && Fewest(pods, pod, order, order.Length - 1, null) is { } spread)
        {
            return spread;
        }

        return gang.PlaceAll(pods, pod);
    }

    /// <summary>
    /// The gang inside one domain of <c>order[i]</c> (within <paramref name="scope"/>, all nodes when null): domains inside a
    /// broken domain of the next level first, then the tightest. Inside the domain chosen it goes over the fewest domains of the
    /// level below, trying a single one first when <paramref name="splitInside"/> says none was tried yet.
    /// </summary>
    private GangPlacement[]? InOneDomain(int pods, PodRequest pod, TopologyLevel[] order, int i, int[]? scope, bool splitInside)
    {
        var (domainOf, count) = domains.Of(order[i]);
        var capacity = Capacity(pod, domainOf, count, scope);
        var candidates = new List<int>();
        for (var d = 0; d < count; d++)
        {
            if (capacity[d] >= pods)
            {
                candidates.Add(d);
            }
        }

        if (candidates.Count == 0)
        {
            return null;
        }

        var outerBroken = i + 1 < order.Length ? OuterBroken(domainOf, count, order[i + 1]) : null;
        candidates.Sort((a, b) =>
        {
            if (outerBroken is not null && outerBroken[a] != outerBroken[b])
            {
                return outerBroken[a] ? -1 : 1;
            }

            return capacity[a] != capacity[b] ? capacity[a].CompareTo(capacity[b]) : a.CompareTo(b);
        });
        foreach (var d in candidates)
        {
            var inside = Within(scope, domainOf, d);
            var placed = i == 0 ? gang.PlaceAll(pods, Scoped(pod, inside))
                : splitInside ? InOneDomain(pods, pod, order, i - 1, inside, splitInside: true) ?? Fewest(pods, pod, order, i - 1, inside)
                : Fewest(pods, pod, order, i - 1, inside);
            if (placed is not null)
            {
                return placed;
            }
        }

        return null;
    }

    /// <summary>
    /// The gang over the fewest domains of <c>order[i]</c> within <paramref name="scope"/> (the roomiest first), and inside
    /// those over the fewest of the level below, and so on; else anywhere in the scope.
    /// </summary>
    private GangPlacement[]? Fewest(int pods, PodRequest pod, TopologyLevel[] order, int i, int[]? scope)
    {
        var (domainOf, count) = domains.Of(order[i]);
        var capacity = Capacity(pod, domainOf, count, scope);
        if (FewestDomains(pods, domainOf, capacity, scope) is { } chosen)
        {
            var placed = i == 0 ? gang.PlaceAll(pods, Scoped(pod, chosen)) : Fewest(pods, pod, order, i - 1, chosen);
            if (placed is not null)
            {
                return placed;
            }
        }

        return scope is null ? null : gang.PlaceAll(pods, Scoped(pod, scope));
    }

    private static TopologyLevel[] Ascending(int levels)
    {
        var order = new List<TopologyLevel>(AllLevels.Length);
        foreach (var level in AllLevels)
        {
            if ((levels & TopologyGuard.Bit(level)) != 0)
            {
                order.Add(level);
            }
        }

        return [.. order];
    }

    private static PodRequest Scoped(PodRequest pod, int[] scope)
    {
        pod.DomainOf = scope;
        pod.Domain = 0;
        return pod;
    }

    /// <summary>Nodes of <paramref name="scope"/> (all when null) in domain <paramref name="d"/> marked 0, the rest -1.</summary>
    private static int[] Within(int[]? scope, int[] domainOf, int d)
    {
        var inside = new int[domainOf.Length];
        for (var n = 0; n < inside.Length; n++)
        {
            inside[n] = domainOf[n] == d && (scope is null || scope[n] == 0) ? 0 : -1;
        }

        return inside;
    }

    /// <summary>How many pods of this shape each domain could take now, counting only nodes of <paramref name="scope"/>.</summary>
    private long[] Capacity(in PodRequest pod, int[] domainOf, int count, int[]? scope)
    {
        if (scope is null)
        {
            return gang.DomainCapacity(pod, domainOf, count);
        }

        var capacity = new long[count];
        for (var n = 0; n < domainOf.Length; n++)
        {
            if (domainOf[n] >= 0 && scope[n] == 0)
            {
                capacity[domainOf[n]] += gang.Selector.PodsThatFit(n, pod);
            }
        }

        return capacity;
    }

    /// <summary>Domains with some GPU of some node in use.</summary>
    private bool[] Broken(int[] domainOf, int count)
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

        return broken;
    }

    /// <summary>Per domain of the inner level: whether its enclosing domain at <paramref name="outer"/> is broken (or unlabelled).</summary>
    private bool[] OuterBroken(int[] domainOf, int count, TopologyLevel outer)
    {
        var (outerOf, outerCount) = domains.Of(outer);
        var broken = Broken(outerOf, outerCount);
        var result = new bool[count];
        for (var n = 0; n < domainOf.Length; n++)
        {
            if (domainOf[n] >= 0)
            {
                result[domainOf[n]] |= outerOf[n] < 0 || broken[outerOf[n]];
            }
        }

        return result;
    }

    /// <summary>Nodes of the fewest domains that together hold the gang marked 0 (the rest -1); null when all of them do not.</summary>
    private static int[]? FewestDomains(int pods, int[] domainOf, long[] capacity, int[]? scope)
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

        var result = new int[domainOf.Length];
        for (var n = 0; n < result.Length; n++)
        {
            result[n] = domainOf[n] >= 0 && chosen[domainOf[n]] && (scope is null || scope[n] == 0) ? 0 : -1;
        }

        return result;
    }
}
