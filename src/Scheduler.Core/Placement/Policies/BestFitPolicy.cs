namespace Scheduler.Core.Placement.Policies;

/// <summary>
/// The ATC '23 artifact's BestFit: <c>1 − ½·CPU left/largest node CPU − ½·GPU milli left/largest node GPU milli</c> in whole
/// percent, ties by a seeded node order; a shared pod takes the GPU it fits most tightly.
/// </summary>
internal sealed class BestFitPolicy(ClusterState state) : IPlacementPolicy
{
    public bool TiesInNodeOrder => true;

    public void BeginRequest(in PodRequest pod)
    {
    }

    public void Score(int node, in PodRequest pod, out double primary, out double secondary)
    {
        var gpuAfter = state.FreeMilli[node] - pod.GpuMilli;
        var cpuAfter = state.CpuFree[node] - pod.Cpu;
        primary = Math.Floor(100 * (1 - 0.5 * cpuAfter / state.MaxNodeCpu - 0.5 * gpuAfter / state.MaxNodeGpuMilli));
        secondary = 0;
    }

    public int SharedGpu(int node, in PodRequest pod) => GpuChoice.Tightest(state, node, pod);
}
