using Scheduler.Core.Snapshots;
using Scheduler.Domain.Specs;

namespace Scheduler.Core.Placement;

/// <summary>
/// Which jobs are packed by domain, and at which levels (a bit per <see cref="TopologyLevel"/>; levels nest by their order:
/// clique ⊂ rack ⊂ block ⊂ zone). Every level that pending gangs ask for (required or preferred) is guarded: every job without a
/// constraint of its own is packed at all of them, so a single pod goes to a node of the innermost domain already broken (a rack
/// with some GPU in use, else a whole rack of a block in use) and a gang into the smallest single domain that holds it, keeping
/// whole domains whole at every level a waiting gang needs. A job that prefers a level is packed at it, at the labelled levels
/// inside it (a gang preferring a block goes into the fewest racks of it), around it (a gang that no rack holds stays inside one
/// block) and at the guarded ones; a job that requires a level is packed inside its one domain at the labelled levels inside it
/// and the guarded ones around it.
/// </summary>
internal static class TopologyGuard
{
    private static readonly string[] RequiredNames = Enum.GetValues<TopologyLevel>().Select(l => "level:" + l.WireName()).ToArray();

    public static int Bit(TopologyLevel level) => 1 << (int)level;

    /// <summary>
    /// The levels pending multi-pod jobs ask for that some node names (node level is left to the placement policy: best fit
    /// inside one node is what it already scores); 0 when none.
    /// </summary>
    public static int LevelsFor(IReadOnlyList<PendingJob> pending, TopologyDomains domains)
    {
        if (!domains.Any)
        {
            return 0;
        }

        var asked = 0;
        foreach (var job in pending)
        {
            if (job.Topology is { Level: not TopologyLevel.Node } topology && job.Pods > 1)
            {
                asked |= Bit(topology.Level);
            }
        }

        return asked & domains.Labelled;
    }

    /// <summary>
    /// The levels at which to pack the job (0: as the policy alone would, or for a required level with nothing nested in or
    /// around it, the plain one-domain placement). A required level is always part of the answer when it is not 0.
    /// </summary>
    public static int PackLevels(PendingJob job, int guard, TopologyDomains domains)
    {
        if (job.Topology is not { } topology)
        {
            return job.TopologyKey is null ? guard : 0;
        }

        var own = Bit(topology.Level);
        // Labelled levels strictly between node and the job's own level: where its domain is split further.
        var inner = domains.Labelled & (own - 1) & ~Bit(TopologyLevel.Node);
        if (topology.Mode == TopologyMode.Required)
        {
            if (job.Pods <= 1)
            {
                return 0;
            }

            var around = inner | (guard & ~((own << 1) - 1));
            return around == 0 ? 0 : around | own;
        }

        // Preferred: its own level, the labelled levels inside it (a block's racks) and around it (a gang no rack holds stays in
        // one block), and the guarded ones.
        var outer = domains.Labelled & ~((own << 1) - 1);
        return (domains.Labelled & own) != 0 ? guard | own | inner | outer : guard;
    }

    /// <summary>A name for the job's hard domain constraint (part of the memo of shapes that failed); null: none.</summary>
    public static string? ConstraintName(PendingJob job) =>
        job.Topology is { Mode: TopologyMode.Required } required && job.Pods > 1 ? RequiredNames[(int)required.Level] : job.TopologyKey;
}
