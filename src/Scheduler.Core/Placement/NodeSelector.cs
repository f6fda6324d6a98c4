namespace Scheduler.Core.Placement;

/// <summary>
/// Picks the node and GPUs for one pod under a <see cref="PlacementPolicy"/>. Every feasible node is scored; exact ties are broken
/// at random with the seeded generator, so a run is reproducible.
/// </summary>
internal sealed class NodeSelector
{
    private const int MaxGpusPerNode = 64;

    /// <summary>
    /// Growth of expected fragmentation is compared in steps of this many milli: smaller differences are noise of the shape
    /// distribution, and treating them as ties lets best fit decide (measured on openb: exact comparison loses about 0.4 points).
    /// </summary>
    private const double FragmentationQuantum = 40;

    private readonly ClusterState _state;
    private readonly PlacementPolicy _policy;
    private readonly FragmentationModel? _fragmentation;
    private readonly double[] _fragNow;
    private readonly int[] _fragVersion;
    private SplitMix64 _random;
    private int[] _growthStamp = new int[1024];
    private double[] _growthCache = new double[1024];
    private int _request;

    public NodeSelector(ClusterState state, PlacementPolicy policy, FragmentationModel? fragmentation, ulong seed)
    {
        _state = state;
        _policy = policy == PlacementPolicy.FragmentationAware && fragmentation is null ? PlacementPolicy.BestFit : policy;
        _fragmentation = fragmentation;
        _fragNow = new double[state.NodeCount];
        _fragVersion = new int[state.NodeCount];
        Array.Fill(_fragVersion, -1);
        _random = new SplitMix64(seed);
    }

    public ClusterState State => _state;

    public bool Feasible(int n, in PodRequest pod)
    {
        var s = _state;
        if (!s.Accepts[n] || s.CpuFree[n] < pod.Cpu || s.MemFree[n] < pod.Mem)
        {
            return false;
        }

        if (pod.Gpus > 0)
        {
            var type = s.TypeId[n];
            if (type < 0 || (pod.TypeMask & (1UL << type)) == 0)
            {
                return false;
            }

            if (pod.Milli >= ClusterState.WholeGpu ? s.WholeFree[n] < pod.Gpus : s.MaxFree[n] < pod.Milli)
            {
                return false;
            }
        }

        var group = s.TaintGroup[n];
        if (group != 0 && (pod.ToleratedGroups is null || !pod.ToleratedGroups[group]))
        {
            return false;
        }

        if (pod.DomainOf is not null && pod.DomainOf[n] != pod.Domain)
        {
            return false;
        }

        return s.ReservedAt[n] == long.MaxValue || pod.EndTicks <= s.ReservedAt[n];
    }

    /// <summary>How many pods of this shape the node could take now (for packing a gang into the fewest nodes).</summary>
    public int PodsThatFit(int n, in PodRequest pod)
    {
        if (!Feasible(n, pod))
        {
            return 0;
        }

        var s = _state;
        var fit = int.MaxValue;
        if (pod.Cpu > 0)
        {
            fit = (int)Math.Min(fit, s.CpuFree[n] / pod.Cpu);
        }

        if (pod.Mem > 0)
        {
            fit = (int)Math.Min(fit, s.MemFree[n] / pod.Mem);
        }

        if (pod.Gpus > 0)
        {
            if (pod.Milli >= ClusterState.WholeGpu)
            {
                fit = Math.Min(fit, s.WholeFree[n] / pod.Gpus);
            }
            else
            {
                var slots = 0;
                for (var g = s.GpuStart[n]; g < s.GpuStart[n] + s.GpuCount[n]; g++)
                {
                    slots += s.GpuFree[g] / pod.Milli;
                }

                fit = Math.Min(fit, slots);
            }
        }

        return fit == int.MaxValue ? 1 : fit;
    }

    /// <summary>
    /// The best node for the pod, or -1. With <paramref name="remainingPods"/> above one (a gang), nodes that can take more of the
    /// remaining pods come first so that the gang lands on the fewest nodes; the policy ranks nodes of equal capacity.
    /// </summary>
    public int SelectNode(in PodRequest pod, int remainingPods = 1)
    {
        _request++;
        var best = -1;
        var bestFit = 0;
        var bestPrimary = double.NegativeInfinity;
        var bestSecondary = double.NegativeInfinity;
        var ties = 0;
        var n = _state.NodeCount;
        for (var i = 0; i < n; i++)
        {
            if (!Feasible(i, pod))
            {
                continue;
            }

            var fit = remainingPods > 1 ? Math.Min(PodsThatFit(i, pod), remainingPods) : 1;
            if (fit < bestFit)
            {
                continue;
            }

            Score(i, pod, out var primary, out var secondary);
            if (fit > bestFit || primary > bestPrimary || (primary == bestPrimary && secondary > bestSecondary))
            {
                best = i;
                bestFit = fit;
                bestPrimary = primary;
                bestSecondary = secondary;
                ties = 1;
            }
            else if (primary == bestPrimary && secondary == bestSecondary)
            {
                ties++;
                if (_random.NextInt(ties) == 0)
                {
                    best = i;
                }
            }
        }

        return best;
    }

    /// <summary>Fills <paramref name="gpus"/> with the node-local GPU indices for the pod and returns how many.</summary>
    public int ChooseGpus(int n, in PodRequest pod, Span<int> gpus)
    {
        var s = _state;
        var start = s.GpuStart[n];
        var count = s.GpuCount[n];
        if (pod.Gpus == 0)
        {
            return 0;
        }

        if (pod.Milli >= ClusterState.WholeGpu)
        {
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

        if (_policy == PlacementPolicy.FragmentationAware)
        {
            gpus[0] = BestSharedGpu(n, pod, out _);
            return gpus[0] < 0 ? 0 : 1;
        }

        // A shared pod goes on the GPU it fits most tightly, keeping whole GPUs whole.
        var best = -1;
        for (var g = 0; g < count; g++)
        {
            var f = s.GpuFree[start + g];
            if (f >= pod.Milli && (best < 0 || f < s.GpuFree[start + best]))
            {
                best = g;
            }
        }

        gpus[0] = best;
        return best < 0 ? 0 : 1;
    }

    /// <summary>Places the pod on the node (assumed in the state) and returns the GPUs it took.</summary>
    public int[] Assign(int n, in PodRequest pod)
    {
        Span<int> chosen = stackalloc int[Math.Max(pod.Gpus, 1)];
        var count = ChooseGpus(n, pod, chosen);
        var gpus = chosen[..count].ToArray();
        _state.Allocate(n, gpus, pod.Milli, pod.Cpu, pod.Mem);
        return gpus;
    }

    private void Score(int n, in PodRequest pod, out double primary, out double secondary)
    {
        var s = _state;
        var gpuAfter = s.FreeMilli[n] - pod.GpuMilli;
        var cpuAfter = s.CpuFree[n] - pod.Cpu;
        switch (_policy)
        {
            case PlacementPolicy.BestFit:
                primary = Math.Floor(100 * (1 - 0.5 * cpuAfter / s.MaxNodeCpu - 0.5 * gpuAfter / s.MaxNodeGpuMilli));
                secondary = 0;
                return;
            case PlacementPolicy.GpuPacking:
                primary = PackingTier(n, pod);
                secondary = -gpuAfter;
                return;
            case PlacementPolicy.Random:
                primary = 0;
                secondary = 0;
                return;
            default:
                primary = -Math.Round(FragmentationGrowth(n, pod) / FragmentationQuantum);
                secondary = -(0.5 * cpuAfter / s.MaxNodeCpu + 0.5 * gpuAfter / s.MaxNodeGpuMilli);
                return;
        }
    }

    /// <summary>3: a shared pod fits on a GPU already in use; 2: the node has GPUs in use; 1: an idle node.</summary>
    private int PackingTier(int n, in PodRequest pod)
    {
        var s = _state;
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

    private double FragmentationGrowth(int n, in PodRequest pod)
    {
        var id = _state.StateId[n];
        if (id < 0)
        {
            return ComputeGrowth(n, pod);
        }

        if (id >= _growthStamp.Length)
        {
            Array.Resize(ref _growthStamp, Math.Max(id + 1, _growthStamp.Length * 2));
            Array.Resize(ref _growthCache, _growthStamp.Length);
        }

        if (_growthStamp[id] != _request)
        {
            _growthCache[id] = ComputeGrowth(n, pod);
            _growthStamp[id] = _request;
        }

        return _growthCache[id];
    }

    private double ComputeGrowth(int n, in PodRequest pod)
    {
        var s = _state;
        var model = _fragmentation!;
        var gpuCount = s.GpuCount[n];
        if (pod.Shared)
        {
            BestSharedGpu(n, pod, out var growth);
            return growth;
        }

        var free = s.GpuFree.AsSpan(s.GpuStart[n], gpuCount);
        Span<int> after = stackalloc int[Math.Min(gpuCount, MaxGpusPerNode)];
        free.CopyTo(after);

        Span<int> chosen = stackalloc int[Math.Max(pod.Gpus, 1)];
        var count = ChooseGpus(n, pod, chosen);
        for (var i = 0; i < count; i++)
        {
            after[chosen[i]] -= pod.Milli;
        }

        return model.Fragmentation(s.TypeId[n], s.CpuFree[n] - pod.Cpu, s.MemFree[n] - pod.Mem, after) - FragmentationNow(n);
    }

    /// <summary>The GPU whose use grows fragmentation least (ties: the tightest fit), and that growth.</summary>
    private int BestSharedGpu(int n, in PodRequest pod, out double bestGrowth)
    {
        var s = _state;
        var model = _fragmentation!;
        var gpuCount = s.GpuCount[n];
        var free = s.GpuFree.AsSpan(s.GpuStart[n], gpuCount);
        var now = FragmentationNow(n);
        Span<int> after = stackalloc int[Math.Min(gpuCount, MaxGpusPerNode)];
        free.CopyTo(after);
        bestGrowth = double.PositiveInfinity;
        var best = -1;
        for (var g = 0; g < gpuCount; g++)
        {
            var f = free[g];
            if (f < pod.Milli || (best >= 0 && f == free[best]))
            {
                continue;
            }

            after[g] = f - pod.Milli;
            var growth = model.Fragmentation(s.TypeId[n], s.CpuFree[n] - pod.Cpu, s.MemFree[n] - pod.Mem, after) - now;
            after[g] = f;
            if (growth < bestGrowth - 1e-9 || (growth < bestGrowth + 1e-9 && f < free[best]))
            {
                bestGrowth = growth;
                best = g;
            }
        }

        return best;
    }

    private double FragmentationNow(int n)
    {
        var s = _state;
        if (_fragVersion[n] != s.Version[n])
        {
            _fragNow[n] = _fragmentation!.Fragmentation(s.TypeId[n], s.CpuFree[n], s.MemFree[n], s.GpuFree.AsSpan(s.GpuStart[n], s.GpuCount[n]));
            _fragVersion[n] = s.Version[n];
        }

        return _fragNow[n];
    }
}
