using Scheduler.Core.Snapshots;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Translates the synced state (nodes from the API server, queues and jobs from PostgreSQL) into the core's snapshot.
/// Free capacity is the node's allocatable minus the stored placements of every job that holds resources, so capacity
/// promised to an admitted job whose pods do not exist yet is never handed out twice; <c>lingering</c> adds pods that still
/// hold GPUs but belong to no stored placement (a requeued attempt's pods within their grace period); <c>foreign</c> takes
/// away what other owners' pods hold there: that many of the GPUs still free, highest index first (the device plugin picks
/// them, not us), and their CPU and memory. Every pending job carries
/// <paramref name="tolerations"/>, the tolerations <see cref="Pods.PodFactory"/> gives its pods.
/// </summary>
public sealed class SnapshotBuilder(PriorityClasses priorities, IReadOnlyList<Toleration>? tolerations = null)
{
    private const int WholeGpu = 1000;

    private readonly IReadOnlyList<Toleration> _tolerations = tolerations ?? [];

    public Snapshot Build(
        DateTimeOffset now, IReadOnlyList<NodeCapacity> nodes, IReadOnlyList<OperatorQueue> queues, IReadOnlyList<OperatorJob> jobs,
        IReadOnlyList<JobPodPlacement>? lingering = null, IReadOnlyList<ForeignPod>? foreign = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(jobs);
        var holding = jobs.Where(j => JobStateMachine.HoldsResources(j.State) && j.Placement is not null).ToList();
        var held = holding.SelectMany(j => j.Placement!).Concat(lingering ?? []).ToLookup(p => p.Node, StringComparer.Ordinal);
        var others = (foreign ?? []).ToLookup(p => p.Node, StringComparer.Ordinal);
        return new Snapshot
        {
            Now = now,
            Nodes = nodes.Select(n => FreeCapacity(n, held[n.Name], others[n.Name])).ToList(),
            Queues = queues.Select(ToQueueInfo).ToList(),
            Running = holding.Where(j => j.State is JobState.Admitted or JobState.Running).Select(j => ToRunningJob(j, now)).ToList(),
            Pending = jobs.Where(j => j.State == JobState.Queued).Select(ToPendingJob).ToList(),
        };
    }

    private static NodeInfo FreeCapacity(NodeCapacity node, IEnumerable<JobPodPlacement> held, IEnumerable<ForeignPod> foreign)
    {
        var free = Enumerable.Repeat(WholeGpu, node.Gpus).ToArray();
        var cpu = node.CpuMilli;
        var memory = node.MemoryMiB;
        foreach (var pod in held)
        {
            foreach (var index in pod.GpuIndices.Where(i => i >= 0 && i < free.Length))
            {
                free[index] = Math.Max(0, free[index] - pod.GpuMilli);
            }

            cpu -= pod.CpuMilli;
            memory -= pod.MemoryMiB;
        }

        foreach (var pod in foreign)
        {
            TakeWholeGpus(free, pod.Gpus);
            cpu -= pod.CpuMilli;
            memory -= pod.MemoryMiB;
        }

        return new NodeInfo
        {
            Name = node.Name,
            GpuType = node.GpuType,
            GpuFreeMilli = free,
            CpuMilliFree = Math.Max(0, cpu),
            MemoryMiBFree = Math.Max(0, memory),
            Labels = node.Labels,
            Taints = node.Taints,
            Topology = node.Topology,
            Unschedulable = node.Unschedulable,
            Ready = node.Ready,
        };
    }

    /// <summary>
    /// Marks <paramref name="count"/> GPUs used, highest index first: whole free ones, then (should the kubelet's count
    /// disagree with ours) partly used ones, so capacity is never overstated.
    /// </summary>
    private static void TakeWholeGpus(int[] free, int count)
    {
        for (var index = free.Length - 1; index >= 0 && count > 0; index--)
        {
            if (free[index] == WholeGpu)
            {
                free[index] = 0;
                count--;
            }
        }

        for (var index = free.Length - 1; index >= 0 && count > 0; index--)
        {
            if (free[index] > 0)
            {
                free[index] = 0;
                count--;
            }
        }
    }

    private static QueueInfo ToQueueInfo(OperatorQueue queue) => new()
    {
        Name = queue.Name,
        Cohort = queue.Spec.Cohort,
        NominalQuota = queue.Spec.NominalQuota ?? new Dictionary<string, int>(),
        BorrowingLimit = queue.Spec.BorrowingLimit ?? new Dictionary<string, int>(),
        LendingLimit = queue.Spec.LendingLimit ?? new Dictionary<string, int>(),
        FairShareWeight = queue.Spec.FairShareWeight ?? 1,
        DecayedUsageGpuHours = queue.DecayedUsageGpuHours,
        UsageAsOf = queue.UsageAsOf,
        MinRuntimeBeforePreemption = IsoDuration.TryParse(queue.Spec.MinRuntimeBeforePreemption),
    };

    private RunningJob ToRunningJob(OperatorJob job, DateTimeOffset now) => new()
    {
        Id = job.Id.ToString(),
        Queue = job.Queue,
        Priority = PriorityOf(job),
        Pods = job.Placement!.Select(p => new PodAssignment(p.Node, p.GpuIndices, p.GpuMilli, p.CpuMilli, p.MemoryMiB)).ToList(),
        StartedAt = job.StartedAt ?? job.QueuedAt,
        Progress = job.Progress,
        LastCheckpointAt = job.LastCheckpointAt,
        PredictedEnd = PredictedEnd(job, now),
        PreemptionCount = job.PreemptionCount,
        LastPreemptedAt = job.LastPreemptedAt,
    };

    private PendingJob ToPendingJob(OperatorJob job)
    {
        var shape = GangShape.Of(job.Spec);
        return new PendingJob
        {
            Id = job.Id.ToString(),
            Queue = job.Queue,
            Priority = PriorityOf(job),
            PriorityClass = job.PriorityClass,
            CreatedAt = job.QueuedAt,
            Pods = shape.Pods,
            GpusPerPod = shape.GpusPerPod,
            GpuMilli = job.Spec.Resources!.GpuMilli,
            GpuTypes = GpuCatalog.SplitAlternatives(job.Spec.Resources.GpuType!),
            CpuMilliPerPod = shape.CpuMilliPerPod,
            MemoryMiBPerPod = shape.MemoryMiBPerPod,
            TopologyKey = job.Spec.Resources.TopologyKey,
            Topology = job.Spec.Topology is { Level: { } level } topology ? new TopologyRequest(level, topology.Mode ?? TopologyMode.Required) : null,
            Tolerations = _tolerations,
            PredictedRuntime = WithinLimit(job.PredictedRuntime, job.Spec.MaxRuntime),
            PreemptionCount = job.PreemptionCount,
            LastPreemptedAt = job.LastPreemptedAt,
        };
    }

    /// <summary>
    /// When a running job should end. <see cref="OperatorJob.Progress"/> is the live fraction of the whole job done (telemetry,
    /// or the checkpoint a resumed attempt starts from), so what is left of the runtime counts from now; with no progress reported
    /// yet, the whole runtime counts from the start. Never before now: an overrunning job is still running.
    /// </summary>
    private static DateTimeOffset? PredictedEnd(OperatorJob job, DateTimeOffset now)
    {
        var limited = IsoDuration.TryParse(job.Spec.MaxRuntime) is { } cap ? (job.StartedAt ?? job.QueuedAt) + cap : (DateTimeOffset?)null;
        if (job.PredictedRuntime is not { } runtime)
        {
            return limited is { } byLimit && byLimit < now ? now : limited;
        }

        var progress = Math.Clamp(job.Progress, 0, 1);
        var end = progress > 0 ? now + runtime * (1 - progress) : (job.StartedAt ?? job.QueuedAt) + runtime;
        if (limited < end)
        {
            // The time limit ends it at the latest.
            end = limited.Value;
        }

        return end < now ? now : end;
    }

    /// <summary>
    /// A job ends by its time limit at the latest, so backfill plans with min(predicted, limit) as Slurm does with <c>--time</c>.
    /// Only the plan: the pods' runtime annotation keeps the estimator's prediction.
    /// </summary>
    internal static TimeSpan? WithinLimit(TimeSpan? predicted, string? maxRuntime) =>
        IsoDuration.TryParse(maxRuntime) is { } limit && (predicted is null || limit < predicted) ? limit : predicted;

    private int PriorityOf(OperatorJob job) => priorities.Contains(job.PriorityClass) ? priorities.ValueOf(job.PriorityClass) : 0;
}

/// <summary>How a spec's GPUs split into pods: one pod per node-worth of GPUs (<c>gpusPerNode</c>), each with the container's CPU and memory.</summary>
public sealed record GangShape(int Pods, int GpusPerPod, long CpuMilliPerPod, long MemoryMiBPerPod)
{
    public static GangShape Of(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var gpus = spec.Resources!.Gpus!.Value;
        var perPod = Math.Min(gpus, spec.Resources.GpusPerNode ?? gpus);
        var cpu = spec.Container?.Cpu is { } c ? Quantity.ToCpuMilli(c) : 0;
        var memory = spec.Container?.Memory is { } m ? Quantity.ToMebibytes(m) : 0;
        return new GangShape(gpus / perPod, perPod, cpu, memory);
    }
}
