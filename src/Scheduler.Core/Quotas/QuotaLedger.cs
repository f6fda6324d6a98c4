using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Quotas;

/// <summary>
/// Quota usage per queue and GPU type in milli-GPUs, with Kueue's cohort rules. A queue keeps <c>nominal − lendingLimit</c> for
/// itself (its guaranteed part); what it uses above that comes from the cohort's pool, the sum of every member's lending limit;
/// and it never uses more than <c>nominal + borrowingLimit</c>. A queue without a cohort uses at most its nominal quota.
/// Backfill reservations hold quota for later: a job predicted to run past a reservation's time must fit with the reserved job's
/// demand counted, by the same rules (holds are not usage: they never make a queue look like it borrows).
/// </summary>
internal sealed class QuotaLedger
{
    private const long Unlimited = long.MaxValue / 4;

    private readonly int _types;
    private readonly long[] _nominal;
    private readonly long[] _borrowLimit;
    private readonly long[] _guaranteed;
    private readonly long[] _usage;
    private readonly int[] _cohortOf;
    private readonly long[] _poolCapacity;
    private readonly long[] _poolUsed;
    private readonly List<QuotaHold> _holds = [];

    public QuotaLedger(IReadOnlyList<QueueInfo> queues, IReadOnlyList<string> typeNames)
    {
        _types = typeNames.Count;
        Queues = queues;
        var count = queues.Count;
        _nominal = new long[count * _types];
        _borrowLimit = new long[count * _types];
        _guaranteed = new long[count * _types];
        _usage = new long[count * _types];
        _cohortOf = new int[count];
        var cohorts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var q = 0; q < count; q++)
        {
            var queue = queues[q];
            _cohortOf[q] = queue.Cohort is { Length: > 0 } cohort
                ? cohorts.TryGetValue(cohort, out var c) ? c : cohorts[cohort] = cohorts.Count
                : -1;
        }

        CohortNames = [.. cohorts.OrderBy(p => p.Value).Select(p => p.Key)];
        _poolCapacity = new long[Math.Max(cohorts.Count, 1) * _types];
        _poolUsed = new long[Math.Max(cohorts.Count, 1) * _types];
        for (var q = 0; q < count; q++)
        {
            var queue = queues[q];
            for (var t = 0; t < _types; t++)
            {
                var i = q * _types + t;
                var name = typeNames[t];
                var nominal = 1000L * queue.NominalQuota.GetValueOrDefault(name);
                var lend = queue.LendingLimit.TryGetValue(name, out var lending) ? Math.Min(nominal, 1000L * lending) : nominal;
                _nominal[i] = nominal;
                _borrowLimit[i] = _cohortOf[q] < 0 ? 0 : queue.BorrowingLimit.TryGetValue(name, out var borrow) ? 1000L * borrow : Unlimited;
                _guaranteed[i] = nominal - lend;
                if (_cohortOf[q] >= 0)
                {
                    _poolCapacity[_cohortOf[q] * _types + t] += lend;
                }
            }
        }
    }

    public IReadOnlyList<QueueInfo> Queues { get; }

    public IReadOnlyList<string> CohortNames { get; }

    public int CohortOf(int queue) => _cohortOf[queue];

    public long Usage(int queue, int type) => _usage[queue * _types + type];

    public long Nominal(int queue, int type) => _nominal[queue * _types + type];

    public bool IsBorrowing(int queue, int type) => Usage(queue, type) > Nominal(queue, type);

    /// <summary>Whether the queue may take <paramref name="milli"/> more of the type now.</summary>
    public bool Fits(int queue, int type, long milli) => Check(queue, type, milli) == QuotaVerdict.Fits;

    public QuotaVerdict Check(int queue, int type, long milli)
    {
        var i = queue * _types + type;
        var after = _usage[i] + milli;
        var cohort = _cohortOf[queue];
        if (cohort < 0)
        {
            return after <= _nominal[i] ? QuotaVerdict.Fits : QuotaVerdict.OverNominal;
        }

        if (after > _nominal[i] + _borrowLimit[i])
        {
            return QuotaVerdict.OverBorrowingLimit;
        }

        var p = cohort * _types + type;
        var usedByOthers = _poolUsed[p] - Math.Max(0, _usage[i] - _guaranteed[i]);
        return Math.Max(0, after - _guaranteed[i]) + usedByOthers <= _poolCapacity[p] ? QuotaVerdict.Fits : QuotaVerdict.CohortExhausted;
    }

    /// <summary>
    /// Whether the queue may take <paramref name="milli"/> more of the type now for a job predicted to end at
    /// <paramref name="endTicks"/>: as <see cref="Check(int, int, long)"/>, and also with the demand of every hold it would overrun
    /// (held before that end, on quota the queue shares: its own, or its cohort's pool) counted.
    /// </summary>
    public QuotaVerdict Check(int queue, int type, long milli, long endTicks)
    {
        var verdict = Check(queue, type, milli);
        if (verdict != QuotaVerdict.Fits || _holds.Count == 0 || Overrun(queue, type, endTicks) == 0)
        {
            return verdict;
        }

        ApplyHolds(queue, type, endTicks, 1);
        var held = Check(queue, type, milli);
        ApplyHolds(queue, type, endTicks, -1);
        return held == QuotaVerdict.Fits ? QuotaVerdict.Fits : QuotaVerdict.HeldForReservation;
    }

    /// <summary>Whether the queue may take <paramref name="milli"/> more of the type for a job predicted to end at <paramref name="endTicks"/>.</summary>
    public bool Fits(int queue, int type, long milli, long endTicks) => Check(queue, type, milli, endTicks) == QuotaVerdict.Fits;

    /// <summary>Holds <paramref name="milli"/> of the type for a reservation of <paramref name="jobId"/> in the queue that starts at <paramref name="atTicks"/>.</summary>
    public void Hold(string jobId, int queue, int type, long milli, long atTicks) => _holds.Add(new QuotaHold(jobId, queue, type, milli, atTicks));

    /// <summary>
    /// The holds a job of the queue and type ending at <paramref name="endTicks"/> would overrun, one bit per hold (holds past the
    /// 63rd share the last bit): jobs with the same mask see the same held demand.
    /// </summary>
    public ulong Overrun(int queue, int type, long endTicks)
    {
        var mask = 0UL;
        for (var h = 0; h < _holds.Count; h++)
        {
            if (Applies(_holds[h], queue, type, endTicks))
            {
                mask |= 1UL << Math.Min(h, 63);
            }
        }

        return mask;
    }

    /// <summary>The job holding quota that a job of the queue and type ending at <paramref name="endTicks"/> would overrun first.</summary>
    public string? FirstOverrunHolder(int queue, int type, long endTicks)
    {
        foreach (var hold in _holds)
        {
            if (Applies(hold, queue, type, endTicks))
            {
                return hold.JobId;
            }
        }

        return null;
    }

    private bool Applies(QuotaHold hold, int queue, int type, long endTicks) =>
        hold.Type == type && endTicks > hold.AtTicks
        && (hold.Queue == queue || (_cohortOf[queue] >= 0 && _cohortOf[hold.Queue] == _cohortOf[queue]));

    private void ApplyHolds(int queue, int type, long endTicks, int sign)
    {
        foreach (var hold in _holds)
        {
            if (Applies(hold, queue, type, endTicks))
            {
                Add(hold.Queue, hold.Type, sign * hold.Milli);
            }
        }
    }

    /// <summary>Milli of the type the cohort's pool has not lent out yet.</summary>
    public long CohortAvailable(int queue, int type)
    {
        var cohort = _cohortOf[queue];
        return cohort < 0 ? 0 : Math.Max(0, _poolCapacity[cohort * _types + type] - _poolUsed[cohort * _types + type]);
    }

    public void Add(int queue, int type, long milli)
    {
        var i = queue * _types + type;
        var cohort = _cohortOf[queue];
        if (cohort >= 0)
        {
            var p = cohort * _types + type;
            _poolUsed[p] += Math.Max(0, _usage[i] + milli - _guaranteed[i]) - Math.Max(0, _usage[i] - _guaranteed[i]);
        }

        _usage[i] += milli;
    }
}

internal enum QuotaVerdict
{
    Fits,
    OverNominal,
    OverBorrowingLimit,
    CohortExhausted,

    /// <summary>It fits now, but would take quota a backfill reservation needs when it starts.</summary>
    HeldForReservation,
}

internal readonly record struct QuotaHold(string JobId, int Queue, int Type, long Milli, long AtTicks);
