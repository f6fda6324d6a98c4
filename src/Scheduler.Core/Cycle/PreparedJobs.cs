using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Cycle;

/// <summary>A pending job with its indices resolved for the cycle.</summary>
internal sealed class PendingState(PendingJob job, int queue, int index)
{
    public PendingJob Job { get; } = job;

    public int Queue { get; } = queue;

    public int Index { get; } = index;

    public Blocker Blocker { get; set; }

    public int BlockerType { get; set; } = -1;

    public string? Detail { get; set; }

    public bool Decided { get; set; }

    /// <summary>When the earliest victim its preemption passed over (its queue's minRuntimeBeforePreemption) may be preempted.</summary>
    public DateTimeOffset? PreemptibleAt { get; set; }
}

/// <summary>Why a job did not start, kept as data until the reason text is written at the end of the cycle.</summary>
internal enum Blocker
{
    None,
    UnknownQueue,
    InvalidShape,
    NoSuchGpuType,
    OverNominal,
    OverBorrowingLimit,
    CohortExhausted,
    Capacity,
    ReservedForOther,
    QuotaReservedForOther,
    Preempting,
    Reserved,
}

/// <summary>A running job with its pods resolved to node and type indices: a possible victim and a source of predicted ends.</summary>
internal sealed class RunningState(RunningJob job, int queue, int type, long milli, RunningPod[] pods, long endTicks, long workLostTicks)
{
    public RunningJob Job { get; } = job;

    public int Queue { get; } = queue;

    public int Type { get; } = type;

    public long Milli { get; } = milli;

    public RunningPod[] Pods { get; } = pods;

    public long EndTicks { get; } = endTicks;

    public long WorkLostTicks { get; } = workLostTicks;

    public bool Victim { get; set; }

    /// <summary>Gives the job's capacity back to <paramref name="state"/> (it stops, in simulation or for real).</summary>
    public void ReleaseFrom(Placement.ClusterState state)
    {
        foreach (var p in Pods)
        {
            state.Release(p.Node, p.Gpus, p.Milli, p.Cpu, p.Mem);
        }
    }

    /// <summary>Takes the job's capacity again (undoing <see cref="ReleaseFrom"/> out of order).</summary>
    public void AllocateIn(Placement.ClusterState state)
    {
        foreach (var p in Pods)
        {
            state.Allocate(p.Node, p.Gpus, p.Milli, p.Cpu, p.Mem);
        }
    }
}

internal readonly record struct RunningPod(int Node, int[] Gpus, int Milli, long Cpu, long Mem);
