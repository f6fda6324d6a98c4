namespace Scheduler.Core.Placement.Policies;

/// <summary>Every feasible node ties, so the selector's seeded draw picks one uniformly; a shared pod takes the tightest GPU.</summary>
internal sealed class RandomPolicy(ClusterState state) : IPlacementPolicy
{
    public bool TiesInNodeOrder => false;

    public void BeginRequest(in PodRequest pod)
    {
    }

    public void Score(int node, in PodRequest pod, out double primary, out double secondary)
    {
        primary = 0;
        secondary = 0;
    }

    public int SharedGpu(int node, in PodRequest pod) => GpuChoice.Tightest(state, node, pod);
}
