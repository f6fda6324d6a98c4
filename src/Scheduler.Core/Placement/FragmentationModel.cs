namespace Scheduler.Core.Placement;

/// <summary>
/// Expected GPU fragmentation of a node for a workload (the FGD idea, Weng et al., ATC '23): for each likely task shape, the free
/// GPU milli on the node that this shape could not use — all of it when the shape does not fit the node at all (type, CPU, memory,
/// too few whole GPUs), else the free milli on GPUs too small for one of its GPUs — weighted by how often the shape occurs.
/// </summary>
internal sealed class FragmentationModel
{
    private readonly Shape[] _shapes;

    private readonly record struct Shape(int Gpus, int Milli, long Cpu, long Mem, ulong TypeMask, double Weight);

    private FragmentationModel(Shape[] shapes) => _shapes = shapes;

    public int ShapeCount => _shapes.Length;

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
        var frag = 0.0;
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
}
