using System.Diagnostics;
using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks.Trace;

/// <summary>
/// The inflation protocol of <c>docs/benchmarks/data/openb/README.md</c>: the task list in a seeded order, plus seeded random copies until the
/// requested GPU milli would pass 1.3 × the cluster's; tasks are placed one at a time through the core's node selector and never leave.
/// </summary>
internal sealed class InflationRun
{
    private readonly IReadOnlyList<TraceNode> _nodes;
    private readonly IReadOnlyList<TraceTask> _tasks;
    private readonly Dictionary<string, int> _typeIds;
    private readonly PodRequest[] _requests;
    private readonly FragmentationModel _fragmentation;
    private readonly FragmentationModel _typicalPods;

    public InflationRun(IReadOnlyList<TraceNode> nodes, IReadOnlyList<TraceTask> tasks)
    {
        _nodes = nodes;
        _tasks = tasks;
        _typeIds = nodes.Select(n => n.Model).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select((model, i) => (model, i)).ToDictionary(p => p.model, p => p.i, StringComparer.Ordinal);
        _requests = tasks.Select(ToRequest).ToArray();

        // The workload's shape distribution is the task list itself, one vote per task (what FGD assumes it knows).
        _fragmentation = FragmentationModel.Create(_requests.Select(r => (r, 1.0)));

        // The FGD baseline sees the workload as the artifact does: its typical pods (95% most frequent shapes, no memory).
        _typicalPods = FragmentationModel.Typical(_requests);
    }

    public long ClusterGpuMilli => _nodes.Sum(n => n.Gpus * 1000L);

    public RunResult Run(PlacementPolicy policy, int seed, double inflation = 1.3) => Run(policy, seed, inflation, study: null);

    /// <param name="study">When given, told of every task that found no node and of the cluster at the end.</param>
    public RunResult Run(PlacementPolicy policy, int seed, double inflation, PlacementStudy? study)
    {
        var state = NewState();
        var selector = new NodeSelector(state, policy, policy == PlacementPolicy.Fgd ? _typicalPods : _fragmentation, (ulong)seed * 7919 + 17);
        var order = Workload(seed, inflation);
        var capacity = (double)state.TotalGpuMilli;
        long arrived = 0, allocated = 0;
        double? at100 = null;
        var placed = 0;
        var watch = Stopwatch.StartNew();
        foreach (var index in order)
        {
            var pod = _requests[index];
            var node = selector.SelectNode(pod);
            if (node >= 0)
            {
                selector.Assign(node, pod);
                allocated += pod.GpuMilli;
                placed++;
            }
            else
            {
                study?.Failed(pod);
            }

            arrived += _tasks[index].RequestedMilli;
            if (at100 is null && arrived >= capacity)
            {
                at100 = allocated / capacity;
            }

            state.Commit();
        }

        watch.Stop();
        study?.End(state);
        return new RunResult(at100 ?? allocated / capacity, allocated / capacity, order.Count, placed, watch.Elapsed);
    }

    /// <summary>The seeded order: a shuffle of every task, then copies drawn with replacement up to the inflation.</summary>
    public List<int> Workload(int seed, double inflation)
    {
        var random = new Random(seed);
        var order = Enumerable.Range(0, _tasks.Count).ToList();
        for (var i = order.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        var limit = inflation * ClusterGpuMilli;
        var total = order.Sum(i => _tasks[i].RequestedMilli);
        while (true)
        {
            var copy = random.Next(_tasks.Count);
            if (total + _tasks[copy].RequestedMilli > limit)
            {
                break;
            }

            total += _tasks[copy].RequestedMilli;
            order.Add(copy);
        }

        return order;
    }

    private ClusterState NewState() => new(_nodes.Select(n => new NodeSpec(
        n.Name,
        n.Gpus > 0 ? n.Model : null,
        Enumerable.Repeat(1000, n.Gpus).ToArray(),
        n.CpuMilli,
        n.MemoryMiB,
        n.CpuMilli,
        Accepts: true,
        Taints: [])).ToArray());

    private PodRequest ToRequest(TraceTask task)
    {
        var mask = ulong.MaxValue;
        if (task.NumGpu > 0 && task.GpuSpec.Length > 0)
        {
            mask = 0;
            foreach (var model in task.GpuSpec.Split('|', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (_typeIds.TryGetValue(model, out var id))
                {
                    mask |= 1UL << id;
                }
            }
        }

        return PodRequest.Create(task.NumGpu, task.MilliPerGpu, task.CpuMilli, task.MemoryMiB, mask);
    }
}

internal sealed record RunResult(double Alloc100, double AllocEnd, int Tasks, int Placed, TimeSpan Elapsed);
