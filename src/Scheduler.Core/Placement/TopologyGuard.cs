using Scheduler.Core.Snapshots;
using Scheduler.Domain.Specs;

namespace Scheduler.Core.Placement;

/// <summary>
/// Which jobs are packed by domain, and at which level. A job that prefers a level is packed at it. When pending gangs ask for a
/// level (required or preferred), every job without a constraint of its own is packed at that level too: a single pod goes to a
/// node of a domain already broken (a rack with some GPU in use rather than a whole one), a gang into the tightest domain that
/// holds it, so whole domains stay whole for those gangs.
/// </summary>
internal static class TopologyGuard
{
    private static readonly string[] RequiredNames = Enum.GetValues<TopologyLevel>().Select(l => "level:" + l.WireName()).ToArray();

    /// <summary>
    /// The level most asked for by pending multi-pod jobs, weighted by their GPUs (node level is left to the placement policy:
    /// best fit inside one node is what it already scores); null when no gang asks or no node names the level.
    /// </summary>
    public static TopologyLevel? LevelFor(IReadOnlyList<PendingJob> pending, TopologyDomains domains)
    {
        if (!domains.Any)
        {
            return null;
        }

        Span<long> weight = stackalloc long[RequiredNames.Length];
        var any = false;
        foreach (var job in pending)
        {
            if (job.Topology is { Level: not TopologyLevel.Node } topology && job.Pods > 1)
            {
                weight[(int)topology.Level] += (long)job.Pods * Math.Max(1, job.GpusPerPod);
                any = true;
            }
        }

        if (!any)
        {
            return null;
        }

        var best = -1;
        for (var level = 0; level < weight.Length; level++)
        {
            if (weight[level] > 0 && (best < 0 || weight[level] > weight[best]) && domains.Has((TopologyLevel)level))
            {
                best = level;
            }
        }

        return best < 0 ? null : (TopologyLevel)best;
    }

    /// <summary>The level at which to pack a job that has no required domain; null: place it as the policy alone would.</summary>
    public static TopologyLevel? PackLevel(PendingJob job, TopologyLevel? guard, TopologyDomains domains)
    {
        if (job.Topology is { Mode: TopologyMode.Preferred } preferred)
        {
            return domains.Has(preferred.Level) ? preferred.Level : null;
        }

        return job.Topology is null && job.TopologyKey is null ? guard : null;
    }

    /// <summary>A name for the job's hard domain constraint (part of the memo of shapes that failed); null: none.</summary>
    public static string? ConstraintName(PendingJob job) =>
        job.Topology is { Mode: TopologyMode.Required } required && job.Pods > 1 ? RequiredNames[(int)required.Level] : job.TopologyKey;
}
