namespace Scheduler.Core.Placement.Policies;

/// <summary>
/// FGD as the ATC '23 artifact's simulator runs it (a baseline): the growth of the node's expected fragmentation for the
/// workload's shapes, mapped through a sigmoid to a whole 0–100 score, ties by a seeded node order; a shared pod takes the GPU
/// whose use grows fragmentation least.
/// </summary>
internal sealed class FgdPolicy(FragmentationScores fragmentation) : IPlacementPolicy
{
    public bool TiesInNodeOrder => true;

    public void BeginRequest(in PodRequest pod) => fragmentation.BeginRequest(pod);

    public void Score(int node, in PodRequest pod, out double primary, out double secondary)
    {
        primary = Math.Floor(100 / (1 + Math.Exp(fragmentation.Growth(node, pod) / 1000)));
        secondary = 0;
    }

    public int SharedGpu(int node, in PodRequest pod) => fragmentation.BestSharedGpu(node, pod, out _);
}
