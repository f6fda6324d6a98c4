namespace Scheduler.Core.Placement.Policies;

/// <summary>
/// Ours (the default). Least fragmentation growth for the workload's shapes (in steps of <see cref="FragmentationQuantum"/>),
/// then for whole-GPU pods best fit (least CPU and GPU left); for GPU-light pods (CPU-only or a share of one GPU) the node with
/// the least usable GPU milli left (free minus its expected fragmentation, whole milli), then the least CPU left: they fill nodes
/// whose GPU capacity is already spent or stranded, and keep the CPU of nodes with usable GPUs for the pods that need those GPUs.
/// A shared pod takes the GPU whose use grows fragmentation least (ties: the tightest).
/// </summary>
internal sealed class FragmentationAwarePolicy(ClusterState state, FragmentationScores fragmentation) : IPlacementPolicy
{
    /// <summary>
    /// Growth of expected fragmentation is compared in steps of this many milli: smaller differences are noise of the shape
    /// distribution, and treating them as ties lets best fit decide (measured on openb default: exact comparison loses about half a point).
    /// </summary>
    private const double FragmentationQuantum = 40;

    public bool TiesInNodeOrder => false;

    public void BeginRequest(in PodRequest pod) => fragmentation.BeginRequest(pod);

    public void Score(int node, in PodRequest pod, out double primary, out double secondary)
    {
        var s = state;
        var gpuAfter = s.FreeMilli[node] - pod.GpuMilli;
        var cpuAfter = s.CpuFree[node] - pod.Cpu;
        primary = -Math.Round(fragmentation.Growth(node, pod) / FragmentationQuantum);
        secondary = pod.Gpus == 0 || pod.Shared
            ? -(Math.Round(gpuAfter - fragmentation.Now(node)) + 0.5 * cpuAfter / s.MaxNodeCpu)
            : -(0.5 * cpuAfter / s.MaxNodeCpu + 0.5 * gpuAfter / s.MaxNodeGpuMilli);
    }

    public int SharedGpu(int node, in PodRequest pod) => fragmentation.BestSharedGpu(node, pod, out _);
}
