namespace Scheduler.Core.Placement;

/// <summary>
/// Picks the node and GPUs for one pod under a <see cref="PlacementPolicy"/>. Every feasible node state (nodes alike for placement)
/// is scored; exact ties are broken at random with the seeded generator, so a run is reproducible.
/// </summary>
internal sealed class NodeSelector
{
    private const int MaxGpusPerNode = 64;

    /// <summary>
    /// Growth of expected fragmentation is compared in steps of this many milli: smaller differences are noise of the shape
    /// distribution, and treating them as ties lets best fit decide (measured on openb default: exact comparison loses about half a point).
    /// </summary>
    private const double FragmentationQuantum = 40;

    private readonly ClusterState _state;
    private readonly PlacementPolicy _policy;
    private readonly FragmentationModel? _fragmentation;
    private readonly double[] _fragNow;
    private readonly int[] _fragVersion;
    private SplitMix64 _random;

    /// <summary>Rank of each node in the tie-breaking order, or null: ties at random.</summary>
    private readonly int[]? _tieRank;
    private int[] _growthStamp = new int[1024];
    private double[] _growthCache = new double[1024];
    private int _request;
    private int _shapeId;
    private readonly Dictionary<long, double> _growthMemo = [];
    private readonly Dictionary<(int Gpus, int Milli, long Cpu, long Mem), int> _shapeIds = [];

    public NodeSelector(ClusterState state, PlacementPolicy policy, FragmentationModel? fragmentation, ulong seed)
    {
        _state = state;
        _policy = policy is PlacementPolicy.FragmentationAware or PlacementPolicy.Fgd && fragmentation is null ? PlacementPolicy.BestFit : policy;
        _fragmentation = fragmentation;
        _fragNow = new double[state.NodeCount];
        _fragVersion = new int[state.NodeCount];
        Array.Fill(_fragVersion, -1);
        _random = new SplitMix64(seed);
        if (_policy is PlacementPolicy.Fgd or PlacementPolicy.BestFit)
        {
            _tieRank = NodeOrder(state.NodeCount, seed);
        }
    }

    /// <summary>
    /// The ATC '23 artifact's baselines break ties by node order (its simulator names the nodes with a random prefix per seed and
    /// takes the first best node), not at random: a first-fit that keeps the nodes late in the order whole. Reproducing it is what
    /// brings our FGD and BestFit within 0.1 point of the published figures.
    /// </summary>
    private static int[] NodeOrder(int count, ulong seed)
    {
        var rank = new int[count];
        for (var i = 0; i < count; i++)
        {
            rank[i] = i;
        }

        var random = new SplitMix64(seed ^ 0x5DEECE66DUL);
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (rank[i], rank[j]) = (rank[j], rank[i]);
        }

        return rank;
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
        if (_policy is PlacementPolicy.FragmentationAware or PlacementPolicy.Fgd)
        {
            var shape = (pod.Gpus, pod.Milli, pod.Cpu, pod.Mem);
            if (!_shapeIds.TryGetValue(shape, out _shapeId))
            {
                _shapeId = _shapeIds.Count;
                _shapeIds[shape] = _shapeId;
            }
        }

        return pod.DomainOf is null ? SelectByState(pod, remainingPods) : SelectByNode(pod, remainingPods);
    }

    /// <summary>
    /// Scores one node of each live state (nodes in a state are alike for placement); exact ties are broken at random with each
    /// state weighted by its number of nodes, then a node of the chosen state is drawn uniformly.
    /// </summary>
    private int SelectByState(in PodRequest pod, int remainingPods)
    {
        var best = new Candidate(-1, 0, double.NegativeInfinity, double.NegativeInfinity);
        var ties = 0;
        var firstNode = -1;
        var types = _state.TypeNames.Length;
        for (var t = pod.Gpus > 0 ? 0 : -1; t < types; t++)
        {
            if (t >= 0 && (pod.TypeMask & (1UL << t)) == 0)
            {
                continue;
            }

            foreach (var state in _state.LiveStates(t))
            {
                var members = _state.Members(state);
                var node = members[0];
                if (Consider(node, pod, remainingPods, ref best, out var outcome))
                {
                    var count = members.Count;
                    if (_tieRank is not null)
                    {
                        var first = FirstInOrder(members);
                        if (outcome == Outcome.Better || _tieRank[first] < _tieRank[firstNode])
                        {
                            best = best with { Node = state };
                            firstNode = first;
                        }
                    }
                    else if (outcome == Outcome.Better)
                    {
                        best = best with { Node = state };
                        ties = count;
                    }
                    else
                    {
                        ties += count;
                        if (_random.NextInt(ties) < count)
                        {
                            best = best with { Node = state };
                        }
                    }
                }
            }
        }

        if (best.Node < 0)
        {
            return -1;
        }

        if (_tieRank is not null)
        {
            return firstNode;
        }

        var chosen = _state.Members(best.Node);
        return chosen.Count == 1 ? chosen[0] : chosen[_random.NextInt(chosen.Count)];
    }

    private int FirstInOrder(List<int> nodes)
    {
        var first = nodes[0];
        foreach (var n in nodes)
        {
            if (_tieRank![n] < _tieRank[first])
            {
                first = n;
            }
        }

        return first;
    }

    /// <summary>Scores every feasible node (used when a topology domain restricts the nodes, which states do not capture).</summary>
    private int SelectByNode(in PodRequest pod, int remainingPods)
    {
        var best = new Candidate(-1, 0, double.NegativeInfinity, double.NegativeInfinity);
        var ties = 0;
        for (var i = 0; i < _state.NodeCount; i++)
        {
            if (Consider(i, pod, remainingPods, ref best, out var outcome))
            {
                if (outcome == Outcome.Better)
                {
                    best = best with { Node = i };
                    ties = 1;
                }
                else if (_tieRank is not null ? _tieRank[i] < _tieRank[best.Node] : _random.NextInt(++ties) == 0)
                {
                    best = best with { Node = i };
                }
            }
        }

        return best.Node;
    }

    private enum Outcome
    {
        Better,
        Tie,
    }

    private readonly record struct Candidate(int Node, int Fit, double Primary, double Secondary);

    /// <summary>Whether node <paramref name="n"/> is feasible and at least as good as <paramref name="best"/> (whose scores it then takes).</summary>
    private bool Consider(int n, in PodRequest pod, int remainingPods, ref Candidate best, out Outcome outcome)
    {
        outcome = Outcome.Tie;
        if (!Feasible(n, pod))
        {
            return false;
        }

        var fit = remainingPods > 1 ? Math.Min(PodsThatFit(n, pod), remainingPods) : 1;
        if (fit < best.Fit)
        {
            return false;
        }

        Score(n, pod, out var primary, out var secondary);
        if (fit > best.Fit || primary > best.Primary || (primary == best.Primary && secondary > best.Secondary))
        {
            best = new Candidate(best.Node, fit, primary, secondary);
            outcome = Outcome.Better;
            return true;
        }

        return primary == best.Primary && secondary == best.Secondary;
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

        if (_policy is PlacementPolicy.FragmentationAware or PlacementPolicy.Fgd)
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

    /// <summary>
    /// Higher is better, primary first. Ours: least fragmentation growth (in steps of <see cref="FragmentationQuantum"/>), then for
    /// whole-GPU pods best fit (least CPU and GPU left); for GPU-light pods (CPU-only or a share of one GPU) the node with the least
    /// usable GPU milli left (free minus its expected fragmentation, whole milli), then the least CPU left: they fill nodes whose GPU
    /// capacity is already spent or stranded, and keep the CPU of nodes with usable GPUs for the pods that need those GPUs.
    /// </summary>
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
            case PlacementPolicy.Fgd:
                primary = Math.Floor(100 / (1 + Math.Exp(FragmentationGrowth(n, pod) / 1000)));
                secondary = 0;
                return;
            default:
                primary = -Math.Round(FragmentationGrowth(n, pod) / FragmentationQuantum);
                secondary = pod.Gpus == 0 || pod.Shared
                    ? -(Math.Round(gpuAfter - FragmentationNow(n)) + 0.5 * cpuAfter / s.MaxNodeCpu)
                    : -(0.5 * cpuAfter / s.MaxNodeCpu + 0.5 * gpuAfter / s.MaxNodeGpuMilli);
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
            // States recur across requests (only the nodes just used get new ones): remember growth per state and shape.
            var key = ((long)id << 24) | (uint)_shapeId;
            if (!_growthMemo.TryGetValue(key, out var growth))
            {
                growth = ComputeGrowth(n, pod);
                _growthMemo[key] = growth;
            }

            _growthCache[id] = growth;
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
        Span<int> after = gpuCount <= MaxGpusPerNode ? stackalloc int[gpuCount] : new int[gpuCount];
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
        Span<int> after = gpuCount <= MaxGpusPerNode ? stackalloc int[gpuCount] : new int[gpuCount];
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
