using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Tests.Builders;

/// <summary>
/// Builds snapshots the way the operator will: nodes by capacity, running jobs on named nodes and GPUs (their use is taken off
/// the nodes' free capacity at <see cref="Build"/>), queues, pending jobs.
/// </summary>
internal sealed class SnapshotBuilder
{
    public static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly List<(NodeInfo Node, long Cpu, long Mem)> _nodes = [];
    private readonly List<QueueInfo> _queues = [];
    private readonly List<RunningJob> _running = [];
    private readonly List<PendingJob> _pending = [];
    private DateTimeOffset _now = T0;

    public SnapshotBuilder At(DateTimeOffset now)
    {
        _now = now;
        return this;
    }

    public SnapshotBuilder Node(string name, string? type, int gpus, long cpu = 64_000, long memMiB = 512 * 1024, IReadOnlyDictionary<string, string>? labels = null,
        IReadOnlyList<Taint>? taints = null, bool unschedulable = false, NodeTopology? topology = null)
    {
        _nodes.Add((new NodeInfo
        {
            Name = name,
            GpuType = type,
            GpuFreeMilli = Enumerable.Repeat(1000, gpus).ToArray(),
            Labels = labels ?? new Dictionary<string, string>(),
            Taints = taints ?? [],
            Unschedulable = unschedulable,
            Topology = topology,
        }, cpu, memMiB));
        return this;
    }

    public SnapshotBuilder Nodes(int count, string type, int gpus, string prefix = "node", Func<int, IReadOnlyDictionary<string, string>>? labels = null)
    {
        for (var i = 0; i < count; i++)
        {
            Node($"{prefix}-{i}", type, gpus, labels: labels?.Invoke(i));
        }

        return this;
    }

    /// <summary><paramref name="racks"/> racks of <paramref name="nodesPerRack"/> nodes named <c>r{rack}-n{node}</c>, racks <c>r{i}</c> in blocks <c>b{i / racksPerBlock}</c>.</summary>
    public SnapshotBuilder Racks(int racks, int nodesPerRack, string type = "H100-SXM", int gpus = 8, int racksPerBlock = 1)
    {
        for (var r = 0; r < racks; r++)
        {
            for (var n = 0; n < nodesPerRack; n++)
            {
                Node($"r{r}-n{n}", type, gpus, topology: new NodeTopology { Zone = "z", Block = $"b{r / racksPerBlock}", Rack = $"r{r}" });
            }
        }

        return this;
    }

    public SnapshotBuilder Queue(string name, string? cohort = null, double weight = 1, double usageGpuHours = 0, params (string Type, int Nominal, int? Borrow, int? Lend)[] quotas)
    {
        _queues.Add(new QueueInfo
        {
            Name = name,
            Cohort = cohort,
            FairShareWeight = weight,
            DecayedUsageGpuHours = usageGpuHours,
            NominalQuota = quotas.ToDictionary(q => q.Type, q => q.Nominal),
            BorrowingLimit = quotas.Where(q => q.Borrow is not null).ToDictionary(q => q.Type, q => q.Borrow!.Value),
            LendingLimit = quotas.Where(q => q.Lend is not null).ToDictionary(q => q.Type, q => q.Lend!.Value),
        });
        return this;
    }

    /// <summary>The last queue added protects its running jobs from preemption for their first <paramref name="minRuntime"/>.</summary>
    public SnapshotBuilder MinRuntimeBeforePreemption(TimeSpan minRuntime)
    {
        _queues[^1] = _queues[^1] with { MinRuntimeBeforePreemption = minRuntime };
        return this;
    }

    /// <summary>A running job with one pod per (node, GPU indices) entry, each GPU taken wholly unless <paramref name="milli"/> says otherwise.</summary>
    public SnapshotBuilder Running(string id, string queue, int priority, (string Node, int[] Gpus)[] pods, int milli = 1000,
        TimeSpan? endsIn = null, TimeSpan? sinceCheckpoint = null, long cpu = 0, long memMiB = 0, DateTimeOffset? lastPreempted = null, TimeSpan? startedAgo = null)
    {
        _running.Add(new RunningJob
        {
            Id = id,
            Queue = queue,
            Priority = priority,
            Pods = pods.Select(p => new PodAssignment(p.Node, p.Gpus, milli, cpu, memMiB)).ToArray(),
            StartedAt = _now - (startedAgo ?? TimeSpan.FromHours(2)),
            LastCheckpointAt = sinceCheckpoint is { } ago ? _now - ago : null,
            PredictedEnd = endsIn is { } end ? _now + end : null,
            LastPreemptedAt = lastPreempted,
        });
        return this;
    }

    public SnapshotBuilder Pending(PendingJob job)
    {
        _pending.Add(job);
        return this;
    }

    public SnapshotBuilder Shapes(params WorkloadShape[] shapes)
    {
        _shapes.AddRange(shapes);
        return this;
    }

    private readonly List<WorkloadShape> _shapes = [];

    public Snapshot Build()
    {
        var nodes = _nodes.Select(n =>
        {
            var free = n.Node.GpuFreeMilli.ToArray();
            long cpu = n.Cpu, mem = n.Mem;
            foreach (var pod in _running.SelectMany(r => r.Pods).Where(p => p.Node == n.Node.Name))
            {
                foreach (var g in pod.GpuIndices)
                {
                    free[g] -= pod.GpuMilli;
                }

                cpu -= pod.CpuMilli;
                mem -= pod.MemoryMiB;
            }

            return n.Node with { GpuFreeMilli = free, CpuMilliFree = cpu, MemoryMiBFree = mem };
        }).ToArray();
        return new Snapshot { Now = _now, Nodes = nodes, Queues = [.. _queues], Running = [.. _running], Pending = [.. _pending], WorkloadShapes = [.. _shapes] };
    }
}

/// <summary>Pending jobs with sensible defaults: one pod, normal priority, created an hour before <see cref="SnapshotBuilder.T0"/>.</summary>
internal static class Jobs
{
    public static PendingJob Pending(string id, string queue, int gpus = 1, int pods = 1, int priority = 1000, string? type = null,
        int? milli = null, TimeSpan? age = null, TimeSpan? runtime = null, string? topology = null, long cpu = 1000, long memMiB = 1024) => new()
    {
        Id = id,
        Queue = queue,
        Priority = priority,
        Pods = pods,
        GpusPerPod = gpus,
        GpuMilli = milli,
        GpuTypes = type is null ? [] : Scheduler.Domain.Catalog.GpuCatalog.SplitAlternatives(type),
        CreatedAt = SnapshotBuilder.T0 - (age ?? TimeSpan.FromHours(1)),
        PredictedRuntime = runtime,
        TopologyKey = topology,
        CpuMilliPerPod = cpu,
        MemoryMiBPerPod = memMiB,
    };
}
