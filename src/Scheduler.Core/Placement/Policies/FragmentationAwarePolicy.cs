namespace Scheduler.Core.Placement.Policies;

/// <summary>
/// Ours (the default). Least growth of expected fragmentation for the workload's shapes, looking a few arrivals ahead (whole-GPU
/// and CPU-only pods <see cref="WholeGpuHorizon"/> arrivals, shared pods a few sharing arrivals, <see cref="SharedLookAhead"/>; in steps of
/// <see cref="FragmentationQuantum"/>), then for whole-GPU pods best fit (least CPU and GPU left); for GPU-light pods (CPU-only or a
/// share of one GPU) the node with the least usable GPU milli left (free minus its expected fragmentation, whole milli), then the
/// least CPU left: they fill nodes whose GPU capacity is already spent or stranded, and keep the CPU of nodes with usable GPUs for the
/// pods that need those GPUs. A shared pod takes the GPU whose use grows fragmentation least (ties: the tightest).
/// </summary>
internal sealed class FragmentationAwarePolicy : IPlacementPolicy
{
    /// <summary>
    /// Growth of expected fragmentation is compared in steps of this many milli: smaller differences are noise of the shape
    /// distribution, and treating them as ties lets best fit decide (measured on openb default: exact comparison loses about half a
    /// point; 30 with the look-ahead below, 40 without).
    /// </summary>
    private const double FragmentationQuantum = 30;

    /// <summary>
    /// Arrivals looked ahead when scoring whole-GPU and CPU-only pods (and the usable GPU left that ranks GPU-light pods): free milli
    /// counts by the chance that neither of the next two arrivals could use it. Chosen on seeds 0–2 of five traces, checked on 3–9
    /// (docs/benchmarks/scheduler.md, "Issue 19").
    /// </summary>
    public const int WholeGpuHorizon = 2;

    private readonly ClusterState _state;
    private readonly FragmentationScores _whole;
    private readonly FragmentationScores _shared;

    public FragmentationAwarePolicy(ClusterState state, FragmentationModel fragmentation)
    {
        _state = state;
        _whole = new FragmentationScores(state, fragmentation.WithHorizon(WholeGpuHorizon));
        // A shared pod and its GPU: a hole that common shares fill (530 milli after a 470 share, with 470s frequent) is soon used,
        // while one only rare small shares fit (190 after an 810) stays: FGD's one-arrival measure weighs both by their size alone
        // and keeps breaking whole GPUs to avoid the first kind. How far ahead follows the mix (SharedLookAhead).
        _shared = new FragmentationScores(state, fragmentation.WithHorizon(SharedLookAhead.Horizon(fragmentation)));
    }

    public bool TiesInNodeOrder => false;

    public void BeginRequest(in PodRequest pod) => (pod.Shared ? _shared : _whole).BeginRequest(pod);

    public void Score(int node, in PodRequest pod, out double primary, out double secondary)
    {
        var s = _state;
        var gpuAfter = s.FreeMilli[node] - pod.GpuMilli;
        var cpuAfter = s.CpuFree[node] - pod.Cpu;
        primary = -Math.Round((pod.Shared ? _shared : _whole).Growth(node, pod) / FragmentationQuantum);
        secondary = pod.Gpus == 0 || pod.Shared
            ? -(Math.Round(gpuAfter - _whole.Now(node)) + 0.5 * cpuAfter / s.MaxNodeCpu)
            : -(0.5 * cpuAfter / s.MaxNodeCpu + 0.5 * gpuAfter / s.MaxNodeGpuMilli);
    }

    public int SharedGpu(int node, in PodRequest pod) => _shared.BestSharedGpu(node, pod, out _);
}
