using System.Globalization;
using Scheduler.Core.Placement;
using Scheduler.Core.Quotas;
using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Cycle;

/// <summary>
/// Writes the reason a person reads for a job left pending, from the blocker the cycle recorded and the state at the end of the
/// cycle, e.g. <c>queue research at its H100-SXM quota (16/16), cohort ml has 0 to lend</c>
/// (the decision adds the jobs ahead).
/// </summary>
internal sealed class PendingReasons
{
    private readonly ClusterState _state;
    private readonly QuotaLedger _ledger;
    private readonly string[] _typeNames;
    private readonly IReadOnlyList<QueueInfo> _queues;
    private readonly ToleratedTaintGroups _tolerated;
    private readonly TopologyDomains? _topology;
    private readonly Dictionary<ReasonKey, string> _texts = [];

    /// <summary>Free GPUs per set of tolerated taint groups (the arrays are shared per tolerations list, so by reference).</summary>
    private readonly Dictionary<bool[], FreeGpus> _free = new(ReferenceEqualityComparer.Instance);
    private FreeGpus? _freeUntainted;

    public PendingReasons(ClusterState state, QuotaLedger ledger, string[] typeNames, IReadOnlyList<QueueInfo> queues, ToleratedTaintGroups tolerated,
        TopologyDomains? topology = null)
    {
        _topology = topology;
        _state = state;
        _ledger = ledger;
        _typeNames = typeNames;
        _queues = queues;
        _tolerated = tolerated;
    }

    /// <summary>Free GPUs per type on the nodes a job may use (accepting pods, taints tolerated), and the whole GPUs it may not.</summary>
    private sealed record FreeGpus(int[] MaxWhole, int[] MaxShare, long[] TotalWhole, long[] Untolerated);

    private readonly record struct ReasonKey(Blocker Blocker, int Queue, int Type, int Pods, int Gpus, int Milli, long Cpu, long Mem, string? Topology, string? Detail, IReadOnlyList<string>? Types, bool[]? Tolerated);

    /// <summary>The cause of a job's wait; jobs blocked the same way share one text.</summary>
    public string Describe(PendingState pending)
    {
        var job = pending.Job;
        var key = new ReasonKey(pending.Blocker, pending.Queue, pending.BlockerType, job.Pods, job.GpusPerPod, job.MilliPerGpu, job.CpuMilliPerPod,
            job.MemoryMiBPerPod, TopologyGuard.ConstraintName(job), pending.Detail, pending.BlockerType >= 0 || job.GpuTypes.Count == 0 ? null : job.GpuTypes, _tolerated.For(job.Tolerations));
        if (!_texts.TryGetValue(key, out var text))
        {
            text = Text(pending);
            _texts[key] = text;
        }

        return pending.PreemptibleAt is { } at && pending.Blocker is not (Blocker.Preempting or Blocker.Reserved)
            ? $"{text}; preemption waits for minRuntimeBeforePreemption of running jobs (first preemptible at {at.ToString("O", CultureInfo.InvariantCulture)})"
            : text;
    }

    private string Text(PendingState pending)
    {
        var job = pending.Job;
        var type = pending.BlockerType >= 0 ? _typeNames[pending.BlockerType] : string.Join('|', job.GpuTypes);
        return pending.Blocker switch
        {
            Blocker.UnknownQueue => $"queue {job.Queue} does not exist",
            Blocker.InvalidShape => $"invalid shape: {job.Pods} pod(s) × {job.GpusPerPod} GPU(s), gpuMilli {job.GpuMilli}, {job.CpuMilliPerPod} CPU milli, {job.MemoryMiBPerPod} MiB (pods must be ≥ 1, gpuMilli 1–1000, the rest ≥ 0)",
            Blocker.NoSuchGpuType => $"no node or quota has GPU type {string.Join('|', job.GpuTypes)}",
            Blocker.OverNominal => $"queue {job.Queue} at its {type} quota ({Quota(pending)}), it has no cohort to borrow from",
            Blocker.CohortExhausted =>
                $"queue {job.Queue} at its {type} quota ({Quota(pending)}), cohort {_ledger.CohortNames[_ledger.CohortOf(pending.Queue)]} has {Gpus(_ledger.CohortAvailable(pending.Queue, pending.BlockerType))} to lend",
            Blocker.OverBorrowingLimit => $"queue {job.Queue} at its {type} borrowing limit ({Quota(pending)} + {BorrowingLimit(pending)})",
            Blocker.ReservedForOther => "fits only on nodes held by a backfill reservation for a higher-ranked job that it would delay",
            Blocker.QuotaReservedForOther => $"fits only in {type} quota that a backfill reservation holds for higher-ranked job {pending.Detail}, which it would delay",
            Blocker.Preempting => $"waiting for preempted jobs to stop ({pending.Detail}) to start on {type}",
            Blocker.Reserved => $"reserved: predicted to start at {pending.Detail} when running jobs end",
            _ => Capacity(pending),
        };
    }

    private string Capacity(PendingState pending)
    {
        var job = pending.Job;
        var shape = job.GpuCountPerPod == 0
            ? $"{job.Pods} CPU-only pod(s)"
            : job.MilliPerGpu < ClusterState.WholeGpu
                ? $"{job.MilliPerGpu / 10.0:0.#}% of one GPU"
                : $"{job.Pods} pod(s) × {job.GpusPerPod} GPU(s)";
        var resources = $"{job.CpuMilliPerPod / 1000.0:0.###} CPU, {job.MemoryMiBPerPod / 1024.0:0.#} GiB per pod";
        if (pending.BlockerType < 0)
        {
            return $"no room for {shape} ({resources})";
        }

        var t = pending.BlockerType;
        var gpus = FreeFor(job);
        var free = job.MilliPerGpu < ClusterState.WholeGpu
            ? $"largest free share of one {_typeNames[t]} GPU is {gpus.MaxShare[t] / 10.0:0.#}%"
            : $"at most {gpus.MaxWhole[t]} whole {_typeNames[t]} GPUs free on one node, {gpus.TotalWhole[t]} in all";
        var untolerated = gpus.Untolerated[t] > 0 ? $", {gpus.Untolerated[t]} free on nodes whose taints it does not tolerate" : "";
        if (job.Topology is { Mode: Domain.Specs.TopologyMode.Required } required && job.Pods > 1 && _topology is not null)
        {
            return RequiredDomain(job, required.Level, t, shape, resources, free, untolerated);
        }

        var topology = job.TopologyKey is null || job.Pods <= 1 ? "" : $" within one {job.TopologyKey}";
        return string.Create(CultureInfo.InvariantCulture, $"no room for {shape}{topology} ({resources}): {free}{untolerated}");
    }

    /// <summary>
    /// <c>no single rack has 64 free H100-SXM GPUs for 8 pod(s) × 8 GPU(s) (…): the most in one rack is 40 (rack-3); …</c>: free
    /// whole GPUs per domain, counted on the nodes the job may use and only in multiples of its pods' size.
    /// </summary>
    private string RequiredDomain(PendingJob job, Domain.Specs.TopologyLevel level, int t, string shape, string resources, string free, string untolerated)
    {
        var name = Domain.Specs.TopologyLevels.WireName(level);
        var (domainOf, count) = _topology!.Of(level);
        var tolerated = _tolerated.For(job.Tolerations);
        var usable = new long[count];
        for (var n = 0; n < _state.NodeCount; n++)
        {
            if (domainOf[n] >= 0 && _state.TypeId[n] == t && _state.Accepts[n] && ToleratedTaintGroups.Opens(tolerated, _state.TaintGroup[n])
                && job.GpusPerPod > 0)
            {
                usable[domainOf[n]] += _state.WholeFree[n] / job.GpusPerPod * job.GpusPerPod;
            }
        }

        var best = -1;
        for (var d = 0; d < count; d++)
        {
            if (best < 0 || usable[d] > usable[best])
            {
                best = d;
            }
        }

        var most = best < 0
            ? $"no node names its {name}"
            : $"the most in one {name} is {usable[best]} ({_topology.Names(level)[best]})";
        var wanted = (long)job.Pods * job.GpusPerPod;
        return string.Create(CultureInfo.InvariantCulture,
            $"no single {name} has {wanted} free {_typeNames[t]} GPUs for {shape} ({resources}): {most}; {free}{untolerated}");
    }

    /// <summary>Counted the way placement sees nodes: only those accepting pods whose blocking taints the job tolerates.</summary>
    private FreeGpus FreeFor(PendingJob job)
    {
        var tolerated = _tolerated.For(job.Tolerations);
        if ((tolerated is null ? _freeUntainted : _free.GetValueOrDefault(tolerated)) is { } cached)
        {
            return cached;
        }

        var free = new FreeGpus(new int[_typeNames.Length], new int[_typeNames.Length], new long[_typeNames.Length], new long[_typeNames.Length]);
        for (var n = 0; n < _state.NodeCount; n++)
        {
            var t = _state.TypeId[n];
            if (t < 0 || !_state.Accepts[n])
            {
                continue;
            }

            if (!ToleratedTaintGroups.Opens(tolerated, _state.TaintGroup[n]))
            {
                free.Untolerated[t] += _state.WholeFree[n];
                continue;
            }

            free.MaxWhole[t] = Math.Max(free.MaxWhole[t], _state.WholeFree[n]);
            free.MaxShare[t] = Math.Max(free.MaxShare[t], _state.MaxFree[n]);
            free.TotalWhole[t] += _state.WholeFree[n];
        }

        if (tolerated is null)
        {
            _freeUntainted = free;
        }
        else
        {
            _free[tolerated] = free;
        }

        return free;
    }

    private string Quota(PendingState pending) =>
        $"{Gpus(_ledger.Usage(pending.Queue, pending.BlockerType))}/{Gpus(_ledger.Nominal(pending.Queue, pending.BlockerType))}";

    private string BorrowingLimit(PendingState pending) =>
        _queues[pending.Queue].BorrowingLimit.TryGetValue(_typeNames[pending.BlockerType], out var limit)
            ? limit.ToString(CultureInfo.InvariantCulture)
            : "unlimited";

    private static string Gpus(long milli) => (milli / 1000.0).ToString("0.###", CultureInfo.InvariantCulture);
}
