namespace Scheduler.Core.Placement.Policies;

/// <summary>Partly used GPUs first, then partly used nodes, then idle nodes; within a tier the least GPU milli left.</summary>
internal sealed class GpuPackingPolicy(ClusterState state) : IPlacementPolicy
{
    public bool TiesInNodeOrder => false;

    public void BeginRequest(in PodRequest pod)
    {
    }

    public void Score(int node, in PodRequest pod, out double primary, out double secondary)
    {
        primary = Tier(node, pod);
        secondary = -(state.FreeMilli[node] - pod.GpuMilli);
    }

    public int SharedGpu(int node, in PodRequest pod) => GpuChoice.Tightest(state, node, pod);

    /// <summary>3: a shared pod fits on a GPU already in use; 2: the node has GPUs in use; 1: an idle node.</summary>
    private int Tier(int n, in PodRequest pod)
    {
        var s = state;
        if (pod.Shared)
        {
            for (var g = s.GpuStart[n]; g < s.GpuStart[n] + s.GpuCount[n]; g++)
            {
                var f = s.GpuFree[g];
                if (f >= pod.Milli && f < ClusterState.WholeGpu)
                {
                    return 3;
                }
            }
        }

        return s.FreeMilli[n] < s.GpuCount[n] * ClusterState.WholeGpu ? 2 : 1;
    }
}
