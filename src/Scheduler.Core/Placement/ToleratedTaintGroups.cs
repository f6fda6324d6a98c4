using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Placement;

/// <summary>
/// Which of the cluster's taint groups (<see cref="ClusterState.TaintGroups"/>) a job's tolerations let it onto, computed once
/// per tolerations list: the operator gives every job the same list, so all its jobs share one array. The same array for the
/// same tolerations is also what keeps the cycle's placement-failure cache and the pending-reason texts shared between jobs.
/// </summary>
internal sealed class ToleratedTaintGroups(ClusterState state)
{
    private readonly Dictionary<IReadOnlyList<Toleration>, bool[]?> _byTolerations = new(ReferenceEqualityComparer.Instance);

    /// <summary>One flag per group (group 0, no blocking taints, is always open); null when the job can use only group 0.</summary>
    public bool[]? For(IReadOnlyList<Toleration> tolerations)
    {
        var groups = state.TaintGroups;
        if (groups.Length == 1 || tolerations.Count == 0)
        {
            return null;
        }

        if (!_byTolerations.TryGetValue(tolerations, out var tolerated))
        {
            tolerated = new bool[groups.Length];
            tolerated[0] = true;
            for (var g = 1; g < groups.Length; g++)
            {
                tolerated[g] = groups[g].All(t => t.IsToleratedBy(tolerations));
            }

            _byTolerations[tolerations] = tolerated;
        }

        return tolerated;
    }

    /// <summary>Whether a node of <paramref name="group"/> is open to a job with these flags (<see cref="For"/>).</summary>
    public static bool Opens(bool[]? tolerated, int group) => group == 0 || (tolerated is not null && tolerated[group]);
}
