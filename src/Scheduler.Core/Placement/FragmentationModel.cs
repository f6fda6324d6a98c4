namespace Scheduler.Core.Placement;

/// <summary>
/// Expected GPU fragmentation of a node for a workload (the FGD idea, Weng et al., ATC '23): for each likely task shape, the free
/// GPU milli on the node that this shape could not use — all of it when the shape does not fit the node at all (type, CPU, memory,
/// too few whole GPUs), else the free milli on GPUs too small for one of its GPUs — weighted by how often the shape occurs.
/// With a look-ahead <see cref="Horizon"/> of K arrivals, each free milli counts by the chance that none of the next K arrivals could
/// use it, <c>(1 − p)^K</c>, where p is the share of shapes that could (K = 1 is the measure above, FGD's).
/// </summary>
internal sealed class FragmentationModel
{
    private readonly Shape[] _shapes;

    /// <summary>Share of CPU-only shapes, for which every free milli counts as unusable (the artifact's measure; 0 in ours).</summary>
    private readonly double _cpuOnlyWeight;

    private readonly record struct Shape(int Gpus, int Milli, long Cpu, long Mem, ulong TypeMask, double Weight);

    private FragmentationModel(Shape[] shapes, double cpuOnlyWeight = 0, double horizon = 1)
    {
        _shapes = shapes;
        _cpuOnlyWeight = cpuOnlyWeight;
        Horizon = horizon;
        _wholeHorizon = horizon == Math.Floor(horizon) ? (int)horizon : 0;
        foreach (var s in shapes)
        {
            if (s.Milli < ClusterState.WholeGpu)
            {
                SharedWeight += s.Weight;
            }
        }
    }

    public int ShapeCount => _shapes.Length;

    /// <summary>
    /// How many arrivals ahead free capacity may still be used by: 1 counts free milli as FGD does. It need not be whole: a
    /// horizon of K sharing arrivals is K ÷ <see cref="SharedWeight"/> arrivals of any shape (<see cref="Policies.SharedLookAhead"/>).
    /// </summary>
    public double Horizon { get; }

    /// <summary>The horizon when it is a whole number (the power is then a product), else 0.</summary>
    private readonly int _wholeHorizon;

    /// <summary>The share of GPU shapes that take a fraction of one GPU (0 when every shape takes whole GPUs).</summary>
    public double SharedWeight { get; }

    /// <summary>The same shapes, looking <paramref name="horizon"/> arrivals ahead.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="horizon"/> is below 1 or not a number.</exception>
    public FragmentationModel WithHorizon(double horizon)
    {
        if (!(horizon >= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "a horizon is at least one arrival");
        }

        return new FragmentationModel(_shapes, _cpuOnlyWeight, horizon);
    }

    /// <summary>Builds the model from shapes and weights; CPU-only shapes are left out (they cannot strand GPU capacity).</summary>
    public static FragmentationModel Create(IEnumerable<(PodRequest Pod, double Weight)> shapes)
    {
        var merged = new Dictionary<(int, int, long, long, ulong), double>();
        var total = 0.0;
        foreach (var (pod, weight) in shapes)
        {
            if (pod.Gpus == 0 || weight <= 0)
            {
                continue;
            }

            var key = (pod.Gpus, pod.Milli, pod.Cpu, pod.Mem, pod.TypeMask);
            merged[key] = merged.GetValueOrDefault(key) + weight;
            total += weight;
        }

        var list = merged
            .Select(p => new Shape(p.Key.Item1, p.Key.Item2, p.Key.Item3, p.Key.Item4, p.Key.Item5, p.Value / total))
            .OrderByDescending(s => s.Weight).ThenBy(s => s.Gpus).ThenBy(s => s.Milli).ThenBy(s => s.Cpu).ThenBy(s => s.Mem)
            .ToArray();
        return new FragmentationModel(list);
    }

    /// <summary>
    /// The ATC '23 artifact's "typical pods", for its FGD baseline: shapes keyed by GPUs, milli, CPU and GPU types (memory is not
    /// modelled), CPU-only pods included, only the most frequent shapes that together make <paramref name="popularity"/> of the pods
    /// (ties: the larger shape first), weights renormalised over those.
    /// </summary>
    public static FragmentationModel Typical(IEnumerable<PodRequest> pods, double popularity = 0.95)
    {
        var counts = new Dictionary<(int Gpus, int Milli, long Cpu, ulong Types), int>();
        foreach (var pod in pods)
        {
            var key = pod.Gpus == 0 ? (0, 0, pod.Cpu, 0UL) : (pod.Gpus, pod.Milli, pod.Cpu, pod.TypeMask);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        var total = counts.Values.Sum();
        var kept = new List<KeyValuePair<(int Gpus, int Milli, long Cpu, ulong Types), int>>();
        var cumulative = 0;
        foreach (var shape in counts.OrderByDescending(p => p.Value).ThenByDescending(p => p.Key.Cpu).ThenByDescending(p => p.Key.Milli)
                     .ThenByDescending(p => p.Key.Gpus).ThenBy(p => p.Key.Types))
        {
            if (cumulative >= popularity * total)
            {
                break;
            }

            kept.Add(shape);
            cumulative += shape.Value;
        }

        var shapes = kept.Where(p => p.Key.Gpus > 0)
            .Select(p => new Shape(p.Key.Gpus, p.Key.Milli, p.Key.Cpu, 0, p.Key.Types, p.Value / (double)cumulative))
            .ToArray();
        var cpuOnly = kept.Where(p => p.Key.Gpus == 0).Sum(p => p.Value) / (double)cumulative;
        return new FragmentationModel(shapes, cpuOnly);
    }

    /// <summary>Expected unusable free milli of a node of type <paramref name="typeId"/> with these free resources.</summary>
    public double Fragmentation(int typeId, long cpu, long mem, ReadOnlySpan<int> gpuFree)
    {
        if (typeId < 0 || gpuFree.Length == 0)
        {
            return 0;
        }

        var total = 0;
        var whole = 0;
        foreach (var f in gpuFree)
        {
            total += f;
            if (f >= ClusterState.WholeGpu)
            {
                whole++;
            }
        }

        if (total == 0)
        {
            return 0;
        }

        var partial = total - whole * ClusterState.WholeGpu;
        var typeBit = 1UL << typeId;
        if (Horizon > 1)
        {
            return LookingAhead(typeBit, cpu, mem, gpuFree, whole);
        }

        var frag = _cpuOnlyWeight * total;
        foreach (ref readonly var s in _shapes.AsSpan())
        {
            int unusable;
            if ((s.TypeMask & typeBit) == 0 || cpu < s.Cpu || mem < s.Mem)
            {
                unusable = total;
            }
            else if (s.Milli < ClusterState.WholeGpu)
            {
                unusable = 0;
                foreach (var f in gpuFree)
                {
                    if (f < s.Milli)
                    {
                        unusable += f;
                    }
                }
            }
            else
            {
                unusable = whole < s.Gpus ? total : partial;
            }

            frag += s.Weight * unusable;
        }

        return frag;
    }

    /// <summary>
    /// Σ over GPUs of free milli × (1 − p)^K, p the share of shapes that could use that GPU now. At K = 1 this equals the per-shape sum
    /// above (the CPU-only weight aside, which only the artifact's typical pods carry and which looks one arrival ahead).
    /// </summary>
    private double LookingAhead(ulong typeBit, long cpu, long mem, ReadOnlySpan<int> gpuFree, int whole)
    {
        var frag = 0.0;
        var lastFree = -1;
        var lastValue = 0.0;
        foreach (var f in gpuFree)
        {
            if (f == 0)
            {
                continue;
            }

            // GPUs of a node often have equal free milli: compute each value once.
            if (f != lastFree)
            {
                var usable = 0.0;
                foreach (ref readonly var s in _shapes.AsSpan())
                {
                    if ((s.TypeMask & typeBit) != 0 && cpu >= s.Cpu && mem >= s.Mem &&
                        (s.Milli < ClusterState.WholeGpu ? f >= s.Milli : f >= ClusterState.WholeGpu && whole >= s.Gpus))
                    {
                        usable += s.Weight;
                    }
                }

                var miss = Math.Max(0, 1 - usable);
                double none;
                if (_wholeHorizon > 0)
                {
                    none = miss;
                    for (var k = 1; k < _wholeHorizon; k++)
                    {
                        none *= miss;
                    }
                }
                else
                {
                    none = Math.Pow(miss, Horizon);
                }

                lastFree = f;
                lastValue = f * none;
            }

            frag += lastValue;
        }

        return frag;
    }
}
