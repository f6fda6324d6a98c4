using Scheduler.Core.Backfill;
using Scheduler.Core.Decisions;
using Scheduler.Core.Ordering;
using Scheduler.Core.Placement;
using Scheduler.Core.Preemption;
using Scheduler.Core.Quotas;
using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Cycle;

/// <summary>
/// One scheduling cycle, in Kueue's numbered steps:
/// 1. index the snapshot (cluster arrays, quota ledger with running usage, running jobs as possible victims);
/// 2. order each queue's pending jobs (<see cref="JobOrder"/>: priority, then age) and keep the queues' heads in a heap ordered
///    by <see cref="QueueOrder"/> (priority, then weighted dominant share minus aging, then age);
/// 3. take the best head: check quota per acceptable GPU type, place its gang, else plan a preemption, else reserve (backfill);
/// 4. requeue that queue with its next head (its share changed if it was admitted) until every job has been considered;
/// 5. write a reason for every job left pending.
/// </summary>
internal sealed class CycleRun
{
    private readonly Snapshot _snapshot;
    private readonly SchedulerOptions _options;
    private readonly ClusterState _state;
    private readonly ToleratedTaintGroups _tolerated;
    private readonly QuotaLedger _ledger;
    private readonly NodeSelector _selector;
    private readonly GangPlacer _gang;
    private readonly Dictionary<string, int> _typeIds;
    private readonly string[] _typeNames;
    private readonly long[] _typeCapacity;
    private readonly Dictionary<string, int> _queueIds;
    private readonly List<RunningState> _running = [];
    private readonly List<PendingState> _pending;
    private readonly List<Decision> _decisions;
    private readonly HashSet<FailKey> _failed = [];
    private readonly List<int> _passing = [];
    private readonly Dictionary<IReadOnlyList<string>, List<int>> _typeLists = new(TypeListComparer.Instance);
    private readonly Dictionary<FailKey, bool> _blockedByReservation = [];
    private readonly Dictionary<string, (int[] DomainOf, int Count)> _domains = new(StringComparer.Ordinal);
    private readonly TopologyDomains _topology;
    private readonly DomainPacker _packer;

    /// <summary>The levels whose domains waiting gangs need whole, a bit per level (see <see cref="TopologyGuard"/>); 0: none.</summary>
    private readonly int _guardLevels;
    private readonly long _nowTicks;
    private readonly QueueOrder _order;
    private readonly PreemptionPlanner _preemption;
    private readonly ReservationPlanner _reservations;
    private int _reservationCount;
    private readonly List<long> _reservedAt = [];
    private int _preemptors;

    public CycleRun(Snapshot snapshot, SchedulerOptions options)
    {
        _snapshot = snapshot;
        _options = options;
        _nowTicks = snapshot.Now.UtcTicks;
        // Sized up front: every pending job gets a state and a decision, and 50,000 of each grown by doubling left ~2 MiB of
        // garbage per cycle.
        _pending = new List<PendingState>(snapshot.Pending.Count);
        _decisions = new List<Decision>(snapshot.Pending.Count + 64);

        // 1. Index the snapshot.
        _state = new ClusterState(snapshot.Nodes.Select(n => new NodeSpec(
            n.Name, n.GpuType, n.GpuFreeMilli, n.CpuMilliFree, n.MemoryMiBFree, n.CpuMilliFree, n.AcceptsPods, n.Taints)).ToArray());
        _tolerated = new ToleratedTaintGroups(_state);
        var typeNames = _state.TypeNames.ToList();
        foreach (var queue in snapshot.Queues)
        {
            foreach (var type in queue.NominalQuota.Keys.Order(StringComparer.Ordinal))
            {
                if (!typeNames.Contains(type))
                {
                    typeNames.Add(type);
                }
            }
        }

        if (typeNames.Count > 64)
        {
            throw new ArgumentException("A snapshot may name at most 64 GPU types.", nameof(snapshot));
        }

        _typeNames = [.. typeNames];
        _typeIds = _typeNames.Select((name, i) => (name, i)).ToDictionary(p => p.name, p => p.i, StringComparer.Ordinal);
        _typeCapacity = new long[_typeNames.Length];
        _queueIds = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var q = 0; q < snapshot.Queues.Count; q++)
        {
            _queueIds[snapshot.Queues[q].Name] = q;
        }

        _ledger = new QuotaLedger(snapshot.Queues, _typeNames);
        IndexRunning();
        for (var n = 0; n < _state.NodeCount; n++)
        {
            if (_state.TypeId[n] >= 0)
            {
                _typeCapacity[_state.TypeId[n]] += _state.GpuCount[n] * (long)ClusterState.WholeGpu;
            }
        }

        _order = new QueueOrder(snapshot.Queues, _ledger, _typeCapacity, options, snapshot.Now);
        _selector = new NodeSelector(_state, options.Policy, BuildFragmentationModel(), options.Seed);
        _gang = new GangPlacer(_selector);
        _topology = new TopologyDomains(snapshot.Nodes);
        _packer = new DomainPacker(_gang, _topology);
        _guardLevels = TopologyGuard.LevelsFor(snapshot.Pending, _topology);
        _preemption = new PreemptionPlanner(_state, _ledger, _gang, _running, options, snapshot.Now, snapshot.Queues);
        _reservations = new ReservationPlanner(_state, _gang, _running);
    }

    public CycleResult Execute()
    {
        // 2. Order: each queue's jobs by priority then age; the queues' heads in a heap.
        var perQueue = new int[_snapshot.Queues.Count];
        foreach (var job in _snapshot.Pending)
        {
            if (_queueIds.TryGetValue(job.Queue, out var q))
            {
                perQueue[q]++;
            }
        }

        var byQueue = new List<PendingState>[_snapshot.Queues.Count];
        for (var q = 0; q < byQueue.Length; q++)
        {
            byQueue[q] = new List<PendingState>(perQueue[q]);
        }

        for (var i = 0; i < _snapshot.Pending.Count; i++)
        {
            var job = _snapshot.Pending[i];
            var queue = _queueIds.TryGetValue(job.Queue, out var q) ? q : -1;
            var pending = new PendingState(job, queue, i);
            _pending.Add(pending);
            if (queue < 0)
            {
                pending.Blocker = Blocker.UnknownQueue;
                continue;
            }

            byQueue[queue].Add(pending);
        }

        foreach (var list in byQueue)
        {
            list.Sort(static (a, b) => JobOrder.Instance.Compare(a.Job, b.Job));
        }

        var heads = new PriorityQueue<int, HeadKey>(byQueue.Length, HeadKeyComparer.Instance);
        var cursor = new int[byQueue.Length];
        for (var q = 0; q < byQueue.Length; q++)
        {
            if (byQueue[q].Count > 0)
            {
                heads.Enqueue(q, _order.Key(q, byQueue[q][0].Job));
            }
        }

        // 3–4. Take the best head, try it, requeue its queue with the next head.
        while (heads.TryDequeue(out var q, out _))
        {
            var job = byQueue[q][cursor[q]++];
            Consider(job);
            if (cursor[q] < byQueue[q].Count)
            {
                heads.Enqueue(q, _order.Key(q, byQueue[q][cursor[q]].Job));
            }
        }

        // 5. A reason for every job still pending.
        var reasons = new PendingReasons(_state, _ledger, _typeNames, _snapshot.Queues, _tolerated, _topology);
        foreach (var list in byQueue)
        {
            var ahead = 0;
            foreach (var job in list)
            {
                if (!job.Decided || job.Blocker is Blocker.Preempting or Blocker.Reserved)
                {
                    _decisions.Add(new Pending(job.Job.Id, reasons.Describe(job), ahead));
                }

                if (!job.Decided || job.Blocker is Blocker.Preempting or Blocker.Reserved)
                {
                    ahead++;
                }
            }
        }

        foreach (var job in _pending.Where(p => p.Queue < 0))
        {
            _decisions.Add(new Pending(job.Job.Id, reasons.Describe(job)));
        }

        return new CycleResult(_decisions);
    }

    private void Consider(PendingState pending)
    {
        var job = pending.Job;
        if (job.Pods < 1 || job.GpusPerPod < 0 || job.GpuMilli is < 0 or > 1000 || job.CpuMilliPerPod < 0 || job.MemoryMiBPerPod < 0)
        {
            pending.Blocker = Blocker.InvalidShape;
            return;
        }

        var types = CandidateTypes(job);
        if (job.GpuCountPerPod > 0 && types.Count == 0)
        {
            pending.Blocker = Blocker.NoSuchGpuType;
            return;
        }

        var pod = PodFor(job);
        var demand = job.TotalGpuMilli;

        // Quota first: which of the acceptable types can the queue take the job on now?
        var passing = _passing;
        passing.Clear();
        foreach (var t in types)
        {
            // A job predicted to run past a backfill reservation must also leave the quota the reserved job needs then.
            var verdict = _ledger.Check(pending.Queue, t, demand, pod.EndTicks);
            if (verdict == QuotaVerdict.Fits)
            {
                passing.Add(t);
            }
            else if (pending.Blocker == Blocker.None)
            {
                pending.Blocker = verdict switch
                {
                    QuotaVerdict.OverBorrowingLimit => Blocker.OverBorrowingLimit,
                    QuotaVerdict.CohortExhausted => Blocker.CohortExhausted,
                    QuotaVerdict.HeldForReservation => Blocker.QuotaReservedForOther,
                    _ => Blocker.OverNominal,
                };
                pending.BlockerType = t;
                if (verdict == QuotaVerdict.HeldForReservation)
                {
                    // The reason names the reserved job whose held quota this one would take.
                    pending.Detail = _ledger.FirstOverrunHolder(pending.Queue, t, pod.EndTicks);
                }
            }
        }

        if (job.GpuCountPerPod == 0)
        {
            if (TryPlace(pending, pod, ulong.MaxValue, -1))
            {
                return;
            }
        }
        else if (job.Pods == 1 && job.GpuTypes.Count == 0 && passing.Count > 0)
        {
            // Any type will do: let the policy pick the node across every type the quota allows.
            var mask = 0UL;
            foreach (var t in passing)
            {
                mask |= 1UL << t;
            }

            if (TryPlace(pending, pod, mask, -1))
            {
                return;
            }
        }
        else
        {
            foreach (var t in passing)
            {
                if (TryPlace(pending, pod, 1UL << t, t))
                {
                    return;
                }
            }
        }

        if (passing.Count > 0 || job.GpuCountPerPod == 0)
        {
            pending.Blocker = Blocker.Capacity;
            pending.BlockerType = passing.Count > 0 ? passing[0] : -1;
        }

        if (_options.Preemption && job.GpuCountPerPod > 0 && _preemptors < _options.MaxPreemptorsPerCycle)
        {
            foreach (var t in types)
            {
                var plan = _preemption.TryPlan(pending, pod, t, Topology(job));
                if (plan is not null)
                {
                    Apply(pending, plan, t);
                    _preemptors++;
                    return;
                }
            }
        }

        if (_options.Backfill && _reservationCount < _options.MaxReservations && pending.Blocker == Blocker.Capacity)
        {
            var reservedPod = pod;
            reservedPod.EndTicks = long.MaxValue;
            foreach (var t in passing.Count > 0 ? passing : [-1])
            {
                var typed = reservedPod;
                typed.TypeMask = t < 0 ? ulong.MaxValue : 1UL << t;
                var reservation = _reservations.TryReserve(job.Pods, typed, Topology(job));
                if (reservation is not null)
                {
                    _reservationCount++;
                    _reservedAt.Add(reservation.AtTicks);
                    if (t >= 0)
                    {
                        _ledger.Hold(job.Id, pending.Queue, t, demand, reservation.AtTicks);
                    }

                    _blockedByReservation.Clear();
                    pending.Blocker = Blocker.Reserved;
                    pending.Decided = true;
                    var at = new DateTimeOffset(Math.Max(reservation.AtTicks, _nowTicks), TimeSpan.Zero);
                    pending.Detail = at.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
                    _decisions.Add(new Reserve(job.Id, at, reservation.Nodes.Select(n => _state.NodeNames[n]).ToArray()));
                    return;
                }
            }
        }

        if (pending.Blocker == Blocker.Capacity && _reservationCount > 0 && BlockedOnlyByReservation(pending, pod, passing))
        {
            pending.Blocker = Blocker.ReservedForOther;
        }
    }

    private bool TryPlace(PendingState pending, PodRequest pod, ulong mask, int chargedType)
    {
        var job = pending.Job;
        pod.TypeMask = mask;
        var topology = Topology(job);
        // Capacity only shrinks during a cycle (until a preemption clears the memo), so a shape that failed fails again; a job may
        // use the reserved nodes of reservations that start after it ends, so that count is part of the shape.
        var usableReservations = 0;
        foreach (var at in _reservedAt)
        {
            if (pod.EndTicks <= at)
            {
                usableReservations++;
            }
        }

        var constraint = TopologyGuard.ConstraintName(job);
        var key = new FailKey(job.Pods, pod.Gpus, pod.Milli, pod.Cpu, pod.Mem, mask, constraint, pod.ToleratedGroups, usableReservations);
        if (_failed.Contains(key) || (job.Pods > 1 && constraint is null && _failed.Contains(key with { Pods = 1 })))
        {
            return false;
        }

        var levels = job.Topology is null && job.TopologyKey is null && _guardLevels == 0 ? 0 : TopologyGuard.PackLevels(job, _guardLevels, _topology);
        var placed = levels == 0 ? _gang.TryPlace(job.Pods, pod, topology.DomainOf, topology.Count)
            : job.Pods == 1 ? _packer.TryPlaceInBrokenDomains(pod, levels)
            : _packer.TryPlace(job.Pods, pod, levels, job.Topology is { Mode: Domain.Specs.TopologyMode.Required } required ? required.Level : null);
        if (placed is null)
        {
            _failed.Add(key);
            return false;
        }

        _state.Commit();
        var type = chargedType >= 0 ? chargedType : job.GpuCountPerPod > 0 ? _state.TypeId[placed[0].Node] : -1;
        if (type >= 0)
        {
            _ledger.Add(pending.Queue, type, job.TotalGpuMilli);
            _order.UsageChanged(pending.Queue);
        }

        pending.Decided = true;
        pending.Blocker = Blocker.None;
        _decisions.Add(new Place(job.Id, type >= 0 ? _typeNames[type] : null, ToPodPlacements(placed, pod.Milli)));
        return true;
    }

    private void Apply(PendingState pending, PreemptionPlan plan, int type)
    {
        foreach (var victim in plan.Victims)
        {
            victim.Victim = true;
            victim.ReleaseFrom(_state);

            if (victim.Type >= 0)
            {
                _ledger.Add(victim.Queue, victim.Type, -victim.Milli);
                _order.UsageChanged(victim.Queue);
            }

            var reason = victim.Queue == pending.Queue ? PreemptionReason.HigherPriorityInQueue : PreemptionReason.ReclaimLentQuota;
            var message = reason == PreemptionReason.HigherPriorityInQueue
                ? $"preempted for job {pending.Job.Id} of higher priority ({pending.Job.Priority} > {victim.Job.Priority}) in queue {pending.Job.Queue}"
                : $"queue {pending.Job.Queue} reclaims its lent {_typeNames[type]} quota for job {pending.Job.Id}; queue {victim.Job.Queue} was borrowing";
            _decisions.Add(new Preempt(victim.Job.Id, pending.Job.Id, reason, message));
        }

        // Assume the preemptor on the freed capacity so that no later job takes it while the victims stop.
        foreach (var p in plan.Placement)
        {
            _state.Allocate(p.Node, p.Gpus, pending.Job.MilliPerGpu, pending.Job.CpuMilliPerPod, pending.Job.MemoryMiBPerPod);
        }

        _state.Commit();
        _ledger.Add(pending.Queue, type, pending.Job.TotalGpuMilli);
        _order.UsageChanged(pending.Queue);
        _failed.Clear();
        _blockedByReservation.Clear();
        pending.Decided = true;
        pending.Blocker = Blocker.Preempting;
        pending.BlockerType = type;
        pending.Detail = string.Join(", ", plan.Victims.Select(v => v.Job.Id));
    }

    /// <summary>Whether the job would fit but for backfill reservations (so its reason can say so).</summary>
    private bool BlockedOnlyByReservation(PendingState pending, PodRequest pod, List<int> passing)
    {
        var mask = 0UL;
        foreach (var t in passing)
        {
            mask |= 1UL << t;
        }

        pod.TypeMask = pending.Job.GpuCountPerPod == 0 ? ulong.MaxValue : mask;
        if (pod.TypeMask == 0)
        {
            return false;
        }

        pod.EndTicks = long.MinValue;
        var key = new FailKey(pending.Job.Pods, pod.Gpus, pod.Milli, pod.Cpu, pod.Mem, pod.TypeMask, TopologyGuard.ConstraintName(pending.Job), pod.ToleratedGroups, -1);
        if (_blockedByReservation.TryGetValue(key, out var known))
        {
            return known;
        }

        var topology = Topology(pending.Job);
        var mark = _state.Mark();
        var placed = _gang.TryPlace(pending.Job.Pods, pod, topology.DomainOf, topology.Count);
        _state.Rollback(mark);
        return _blockedByReservation[key] = placed is not null;
    }

    private PodPlacement[] ToPodPlacements(GangPlacement[] placed, int milli)
    {
        var result = new PodPlacement[placed.Length];
        for (var rank = 0; rank < placed.Length; rank++)
        {
            result[rank] = new PodPlacement(rank, _state.NodeNames[placed[rank].Node], placed[rank].Gpus, placed[rank].Gpus.Length == 0 ? 0 : milli);
        }

        return result;
    }

    /// <summary>Type ids the job accepts, in its order of preference (shared lists: callers must not change them).</summary>
    private List<int> CandidateTypes(PendingJob job)
    {
        if (_typeLists.TryGetValue(job.GpuTypes, out var cached))
        {
            return cached;
        }

        var types = new List<int>();
        if (job.GpuTypes.Count == 0)
        {
            for (var t = 0; t < _typeNames.Length; t++)
            {
                types.Add(t);
            }
        }

        foreach (var name in job.GpuTypes)
        {
            if (_typeIds.TryGetValue(name, out var t) && !types.Contains(t))
            {
                types.Add(t);
            }
        }

        _typeLists[job.GpuTypes] = types;
        return types;
    }

    private PodRequest PodFor(PendingJob job)
    {
        var pod = PodRequest.Create(job.GpuCountPerPod, job.MilliPerGpu, job.CpuMilliPerPod, job.MemoryMiBPerPod);
        pod.EndTicks = job.PredictedRuntime is { } runtime ? _nowTicks + runtime.Ticks : long.MaxValue;
        pod.ToleratedGroups = _tolerated.For(job.Tolerations);
        return pod;
    }

    /// <summary>The domains a job must stay within (one of them): a required topology level, or a raw label key.</summary>
    private (int[]? DomainOf, int Count) Topology(PendingJob job)
    {
        if (job.Topology is { Mode: Domain.Specs.TopologyMode.Required } required && job.Pods > 1)
        {
            return _topology.Of(required.Level);
        }

        if (job.TopologyKey is null || job.Pods <= 1)
        {
            return (null, 0);
        }

        if (!_domains.TryGetValue(job.TopologyKey, out var domains))
        {
            var ids = new Dictionary<string, int>(StringComparer.Ordinal);
            var domainOf = new int[_state.NodeCount];
            for (var n = 0; n < _state.NodeCount; n++)
            {
                domainOf[n] = _snapshot.Nodes[n].Labels.TryGetValue(job.TopologyKey, out var value)
                    ? ids.TryGetValue(value, out var id) ? id : ids[value] = ids.Count
                    : -1;
            }

            domains = (domainOf, ids.Count);
            _domains[job.TopologyKey] = domains;
        }

        return domains;
    }

    private void IndexRunning()
    {
        foreach (var job in _snapshot.Running)
        {
            var queue = _queueIds.TryGetValue(job.Queue, out var q) ? q : -1;
            var pods = new List<RunningPod>(job.Pods.Count);
            var type = -1;
            long milli = 0;
            foreach (var pod in job.Pods)
            {
                if (!_state.TryGetNode(pod.Node, out var node))
                {
                    continue;
                }

                pods.Add(new RunningPod(node, [.. pod.GpuIndices], pod.GpuMilli, pod.CpuMilli, pod.MemoryMiB));
                milli += (long)pod.GpuIndices.Count * pod.GpuMilli;
                if (type < 0 && pod.GpuIndices.Count > 0)
                {
                    type = _state.TypeId[node];
                }
            }

            var end = job.PredictedEnd?.UtcTicks ?? long.MaxValue;
            var lost = _nowTicks - (job.LastCheckpointAt ?? job.StartedAt).UtcTicks;
            var running = new RunningState(job, queue, type, milli, [.. pods], end, Math.Max(0, lost));
            _running.Add(running);
            if (queue >= 0 && type >= 0)
            {
                _ledger.Add(queue, type, milli);
            }
        }
    }

    private FragmentationModel? BuildFragmentationModel()
    {
        if (!PlacementPolicies.Of(_options.Policy).ScoresFragmentation)
        {
            return null;
        }

        var shapes = new List<(PodRequest, double)>();
        if (_snapshot.WorkloadShapes.Count > 0)
        {
            foreach (var shape in _snapshot.WorkloadShapes)
            {
                var shared = shape.Gpus == 1 && shape.GpuMilli is > 0 and < ClusterState.WholeGpu;
                shapes.Add((PodRequest.Create(shape.Gpus, shared ? shape.GpuMilli : ClusterState.WholeGpu, shape.CpuMilli, shape.MemoryMiB, MaskOf(shape.GpuTypes)), shape.Weight));
            }
        }
        else
        {
            // Tens of thousands of pending jobs come in a few shapes: count them before building the model.
            var counts = new Dictionary<(int Gpus, int Milli, long Cpu, long Mem, ulong Mask), double>();
            var masks = new Dictionary<IReadOnlyList<string>, ulong>(TypeListComparer.Instance);
            foreach (var job in _snapshot.Pending)
            {
                if (!masks.TryGetValue(job.GpuTypes, out var mask))
                {
                    mask = MaskOf(job.GpuTypes);
                    masks[job.GpuTypes] = mask;
                }

                var key = (job.GpuCountPerPod, job.MilliPerGpu, job.CpuMilliPerPod, job.MemoryMiBPerPod, mask);
                counts[key] = counts.GetValueOrDefault(key) + Math.Max(job.Pods, 0);
            }

            foreach (var (key, count) in counts)
            {
                shapes.Add((PodRequest.Create(key.Gpus, key.Milli, key.Cpu, key.Mem, key.Mask), count));
            }
        }

        return FragmentationModel.Create(shapes);
    }

    private ulong MaskOf(IReadOnlyList<string>? types)
    {
        if (types is null || types.Count == 0)
        {
            return ulong.MaxValue;
        }

        var mask = 0UL;
        foreach (var name in types)
        {
            if (_typeIds.TryGetValue(name, out var t))
            {
                mask |= 1UL << t;
            }
        }

        return mask;
    }

    private readonly record struct FailKey(int Pods, int Gpus, int Milli, long Cpu, long Mem, ulong Mask, string? Topology, bool[]? Tolerated, int UsableReservations);
}

/// <summary>Compares GPU-type lists by their names, so jobs asking for the same alternatives share one resolved list.</summary>
internal sealed class TypeListComparer : IEqualityComparer<IReadOnlyList<string>>
{
    public static TypeListComparer Instance { get; } = new();

    public bool Equals(IReadOnlyList<string>? x, IReadOnlyList<string>? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null || x.Count != y.Count)
        {
            return false;
        }

        for (var i = 0; i < x.Count; i++)
        {
            if (!string.Equals(x[i], y[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(IReadOnlyList<string> obj)
    {
        var hash = new HashCode();
        foreach (var name in obj)
        {
            hash.Add(name, StringComparer.Ordinal);
        }

        return hash.ToHashCode();
    }
}
