using Scheduler.Core.Cycle;
using Scheduler.Core.Placement;
using Scheduler.Core.Quotas;

namespace Scheduler.Core.Preemption;

/// <summary>
/// Finds the smallest set of running jobs whose removal lets a pending job start, simulated on the cluster state and the quota
/// ledger and rolled back (Kueue's approach). Victims are jobs of the same queue with lower priority, or jobs of other queues in the
/// cohort that borrow the type while the preemptor's queue would stay within its nominal quota (reclaiming lent quota). Cheapest
/// victims go first: lowest priority, then least work lost since the last checkpoint; then victims not needed are given back.
/// Returns null when even every candidate together would not make room: nothing is preempted in vain. A job that has run less
/// than its queue's <see cref="Snapshots.QueueInfo.MinRuntimeBeforePreemption"/> is no candidate; the pending job learns when
/// the first such job passed over becomes one (<see cref="PendingState.PreemptibleAt"/>).
/// </summary>
internal sealed class PreemptionPlanner(
    ClusterState state,
    QuotaLedger ledger,
    GangPlacer gang,
    IReadOnlyList<RunningState> running,
    SchedulerOptions options,
    DateTimeOffset now,
    IReadOnlyList<Snapshots.QueueInfo> queues)
{
    private Dictionary<int, List<RunningState>>? _byQueue;
    private readonly Dictionary<(int Queue, int Type, int Priority, int Pods, int Gpus, int Milli, long Cpu, long Mem, ulong Holds), DateTimeOffset?> _hopeless = [];
    private readonly TimeSpan?[] _minRuntime = [.. queues.Select(q => q.MinRuntimeBeforePreemption)];

    public PreemptionPlan? TryPlan(PendingState pending, PodRequest pod, int type, (int[]? DomainOf, int Count) topology)
    {
        var job = pending.Job;
        // Quota held for backfill reservations the job would overrun counts against it (but never makes a victim's queue borrow).
        var key = (pending.Queue, type, job.Priority, job.Pods, pod.Gpus, pod.Milli, pod.Cpu, pod.Mem, ledger.Overrun(pending.Queue, type, pod.EndTicks));
        if (_hopeless.TryGetValue(key, out var known))
        {
            pending.PreemptibleAt ??= known;
            return null;
        }

        pod.TypeMask = 1UL << type;
        var demand = job.TotalGpuMilli;
        var reclaim = ledger.CohortOf(pending.Queue) >= 0 && ledger.Usage(pending.Queue, type) + demand <= ledger.Nominal(pending.Queue, type);
        var candidates = new List<RunningState>();
        long freeable = 0;
        DateTimeOffset? preemptibleAt = null;
        foreach (var r in CandidatesOf(pending.Queue, reclaim))
        {
            if (r.Victim || r.Type != type || r.Queue < 0)
            {
                continue;
            }

            var sameQueueLower = r.Queue == pending.Queue && r.Job.Priority < job.Priority;
            var borrowed = reclaim && r.Queue != pending.Queue && ledger.CohortOf(r.Queue) == ledger.CohortOf(pending.Queue)
                && ledger.IsBorrowing(r.Queue, type) && !Protected(r);
            if ((sameQueueLower || borrowed) && ProtectedUntil(r) is { } until)
            {
                preemptibleAt = preemptibleAt is { } earliest && earliest < until ? earliest : until;
            }
            else if (sameQueueLower || borrowed)
            {
                candidates.Add(r);
                freeable += r.Milli;
            }
        }

        if (candidates.Count == 0 || freeable + (type < state.TypeFreeMilli.Length ? state.TypeFreeMilli[type] : 0) < demand)
        {
            _hopeless[key] = preemptibleAt;
            pending.PreemptibleAt ??= preemptibleAt;
            return null;
        }

        candidates.Sort(static (a, b) =>
        {
            var c = a.Job.Priority.CompareTo(b.Job.Priority);
            if (c != 0)
            {
                return c;
            }

            c = a.WorkLostTicks.CompareTo(b.WorkLostTicks);
            return c != 0 ? c : string.CompareOrdinal(a.Job.Id, b.Job.Id);
        });

        var mark = state.Mark();
        var chosen = new List<RunningState>();
        var fits = false;
        foreach (var candidate in candidates)
        {
            // A reclaim victim must still be borrowing once the victims before it are gone.
            if (candidate.Queue != pending.Queue && !ledger.IsBorrowing(candidate.Queue, type))
            {
                continue;
            }

            Remove(candidate);
            chosen.Add(candidate);
            if (Fits(pending, pod, type, topology))
            {
                fits = true;
                break;
            }
        }

        if (!fits)
        {
            Restore(chosen, mark);
            _hopeless[key] = preemptibleAt;
            pending.PreemptibleAt ??= preemptibleAt;
            return null;
        }

        // Give back every victim that is not needed, latest cheap choices last.
        for (var i = chosen.Count - 2; i >= 0; i--)
        {
            var victim = chosen[i];
            Put(victim);
            if (Fits(pending, pod, type, topology))
            {
                chosen.RemoveAt(i);
            }
            else
            {
                Remove(victim);
            }
        }

        var placement = gang.TryPlace(job.Pods, pod, topology.DomainOf, topology.Count)!;
        Restore(chosen, mark);
        return new PreemptionPlan(chosen, placement);
    }

    /// <summary>When a job still within its queue's minimum runtime may be preempted; null when it may be now.</summary>
    private DateTimeOffset? ProtectedUntil(RunningState r) =>
        r.Queue < _minRuntime.Length && _minRuntime[r.Queue] is { } min && now - r.Job.StartedAt < min ? r.Job.StartedAt + min : null;

    private bool Protected(RunningState r) =>
        r.Job.LastPreemptedAt is not null && now - r.Job.StartedAt < options.PreemptionProtection;

    private bool Fits(PendingState pending, PodRequest pod, int type, (int[]? DomainOf, int Count) topology)
    {
        if (!ledger.Fits(pending.Queue, type, pending.Job.TotalGpuMilli, pod.EndTicks))
        {
            return false;
        }

        var mark = state.Mark();
        var placed = gang.TryPlace(pending.Job.Pods, pod, topology.DomainOf, topology.Count);
        state.Rollback(mark);
        return placed is not null;
    }

    private void Remove(RunningState victim)
    {
        victim.ReleaseFrom(state);
        ledger.Add(victim.Queue, victim.Type, -victim.Milli);
    }

    private void Put(RunningState victim)
    {
        victim.AllocateIn(state);
        ledger.Add(victim.Queue, victim.Type, victim.Milli);
    }

    private void Restore(List<RunningState> removed, int mark)
    {
        state.Rollback(mark);
        foreach (var victim in removed)
        {
            ledger.Add(victim.Queue, victim.Type, victim.Milli);
        }
    }

    /// <summary>Running jobs of the queue, plus those of its cohort when reclaiming.</summary>
    private IEnumerable<RunningState> CandidatesOf(int queue, bool reclaim)
    {
        if (_byQueue is null)
        {
            _byQueue = [];
            foreach (var r in running)
            {
                if (r.Queue >= 0)
                {
                    (_byQueue.TryGetValue(r.Queue, out var list) ? list : _byQueue[r.Queue] = []).Add(r);
                }
            }
        }

        if (!reclaim)
        {
            return _byQueue.TryGetValue(queue, out var own) ? own : [];
        }

        var cohort = ledger.CohortOf(queue);
        return _byQueue.Where(p => ledger.CohortOf(p.Key) == cohort).OrderBy(p => p.Key).SelectMany(p => p.Value);
    }
}

/// <summary>The victims to stop and where the preemptor will run once they have.</summary>
internal sealed record PreemptionPlan(IReadOnlyList<RunningState> Victims, GangPlacement[] Placement);
