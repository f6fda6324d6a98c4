namespace Scheduler.Core.Placement.Policies;

/// <summary>
/// A node's expected fragmentation under a <see cref="FragmentationModel"/> and its growth if a pod went there, cached for the
/// fragmentation-scoring policies: the current value per node until the node changes, the growth per node state within one
/// request, and the growth per (state, shape) across requests (states recur: only the nodes just used get new ones).
/// </summary>
internal sealed class FragmentationScores
{
    private const int MaxGpusPerNode = 64;

    private readonly ClusterState _state;
    private readonly FragmentationModel _model;
    private readonly double[] _now;
    private readonly int[] _nowVersion;
    private int[] _growthStamp = new int[1024];
    private double[] _growthCache = new double[1024];
    private int _request;
    private int _shapeId;
    private readonly Dictionary<long, double> _growthMemo = [];
    private readonly Dictionary<(int Gpus, int Milli, long Cpu, long Mem), int> _shapeIds = [];

    public FragmentationScores(ClusterState state, FragmentationModel model)
    {
        _state = state;
        _model = model;
        _now = new double[state.NodeCount];
        _nowVersion = new int[state.NodeCount];
        Array.Fill(_nowVersion, -1);
    }

    public void BeginRequest(in PodRequest pod)
    {
        _request++;
        var shape = (pod.Gpus, pod.Milli, pod.Cpu, pod.Mem);
        if (!_shapeIds.TryGetValue(shape, out _shapeId))
        {
            _shapeId = _shapeIds.Count;
            _shapeIds[shape] = _shapeId;
        }
    }

    /// <summary>Expected unusable free milli of the node as it is.</summary>
    public double Now(int n)
    {
        var s = _state;
        if (_nowVersion[n] != s.Version[n])
        {
            _now[n] = _model.Fragmentation(s.TypeId[n], s.CpuFree[n], s.MemFree[n], s.GpuFree.AsSpan(s.GpuStart[n], s.GpuCount[n]));
            _nowVersion[n] = s.Version[n];
        }

        return _now[n];
    }

    /// <summary>How much the node's expected fragmentation grows if the pod of the current request goes there.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public double Growth(int n, in PodRequest pod)
    {
        var id = _state.StateId[n];
        if (id < 0)
        {
            return Compute(n, pod);
        }

        if (id >= _growthStamp.Length)
        {
            Array.Resize(ref _growthStamp, Math.Max(id + 1, _growthStamp.Length * 2));
            Array.Resize(ref _growthCache, _growthStamp.Length);
        }

        if (_growthStamp[id] != _request)
        {
            var key = ((long)id << 24) | (uint)_shapeId;
            if (!_growthMemo.TryGetValue(key, out var growth))
            {
                growth = Compute(n, pod);
                _growthMemo[key] = growth;
            }

            _growthCache[id] = growth;
            _growthStamp[id] = _request;
        }

        return _growthCache[id];
    }

    /// <summary>The GPU whose use grows fragmentation least (ties: the tightest fit), and that growth.</summary>
    public int BestSharedGpu(int n, in PodRequest pod, out double bestGrowth)
    {
        var s = _state;
        var gpuCount = s.GpuCount[n];
        var free = s.GpuFree.AsSpan(s.GpuStart[n], gpuCount);
        var now = Now(n);
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
            var growth = _model.Fragmentation(s.TypeId[n], s.CpuFree[n] - pod.Cpu, s.MemFree[n] - pod.Mem, after) - now;
            after[g] = f;
            if (growth < bestGrowth - 1e-9 || (growth < bestGrowth + 1e-9 && f < free[best]))
            {
                bestGrowth = growth;
                best = g;
            }
        }

        return best;
    }

    private double Compute(int n, in PodRequest pod)
    {
        var s = _state;
        if (pod.Shared)
        {
            BestSharedGpu(n, pod, out var growth);
            return growth;
        }

        var gpuCount = s.GpuCount[n];
        var free = s.GpuFree.AsSpan(s.GpuStart[n], gpuCount);
        Span<int> after = gpuCount <= MaxGpusPerNode ? stackalloc int[gpuCount] : new int[gpuCount];
        free.CopyTo(after);

        Span<int> chosen = stackalloc int[Math.Max(pod.Gpus, 1)];
        var count = pod.Gpus == 0 ? 0 : GpuChoice.FirstWhole(s, n, pod, chosen);
        for (var i = 0; i < count; i++)
        {
            after[chosen[i]] -= pod.Milli;
        }

        return _model.Fragmentation(s.TypeId[n], s.CpuFree[n] - pod.Cpu, s.MemFree[n] - pod.Mem, after) - Now(n);
    }
}
