namespace Scheduler.Core.Placement.Policies;

/// <summary>
/// One placement policy: how <see cref="NodeSelector"/> ranks the feasible nodes for a pod and which GPU a shared pod takes.
/// The selector owns feasibility, gangs, node states and tie-breaking; a policy only scores. Which policies exist, their names and
/// their descriptions: <see cref="PlacementPolicies"/>.
/// </summary>
internal interface IPlacementPolicy
{
    /// <summary>
    /// Whether exact ties go to the first node in a seeded node order (the ATC '23 artifact's baselines, whose simulator takes
    /// the first best node of a per-seed node order) rather than to a node drawn at random.
    /// </summary>
    bool TiesInNodeOrder { get; }

    /// <summary>Called once per pod before its nodes are scored (policies that remember per-shape work key it here).</summary>
    void BeginRequest(in PodRequest pod);

    /// <summary>Higher is better, <paramref name="primary"/> first; equal pairs are ties.</summary>
    void Score(int node, in PodRequest pod, out double primary, out double secondary);

    /// <summary>The node-local GPU a shared pod (a fraction of one GPU) takes on <paramref name="node"/>, or -1 when none fits.</summary>
    int SharedGpu(int node, in PodRequest pod);
}

/// <summary>GPU choices several policies share.</summary>
internal static class GpuChoice
{
    /// <summary>The first <paramref name="pod"/>.Gpus wholly free GPUs of the node, in index order; returns how many were found.</summary>
    public static int FirstWhole(ClusterState s, int node, in PodRequest pod, Span<int> gpus)
    {
        var start = s.GpuStart[node];
        var count = s.GpuCount[node];
        var taken = 0;
        for (var g = 0; g < count && taken < pod.Gpus; g++)
        {
            if (s.GpuFree[start + g] >= ClusterState.WholeGpu)
            {
                gpus[taken++] = g;
            }
        }

        return taken;
    }

    /// <summary>The GPU the shared pod fits most tightly (least free milli that still holds it), keeping whole GPUs whole.</summary>
    public static int Tightest(ClusterState s, int node, in PodRequest pod)
    {
        var start = s.GpuStart[node];
        var best = -1;
        for (var g = 0; g < s.GpuCount[node]; g++)
        {
            var f = s.GpuFree[start + g];
            if (f >= pod.Milli && (best < 0 || f < s.GpuFree[start + best]))
            {
                best = g;
            }
        }

        return best;
    }
}
