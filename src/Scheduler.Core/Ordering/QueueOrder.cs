using Scheduler.Core.Quotas;
using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Ordering;

/// <summary>
/// Which queue's head goes next: priority first; inside a priority class, the queue's weighted dominant share — its current usage
/// as a share of the cluster's capacity of its most-used GPU type, plus its decayed past usage as a share of what the cluster
/// delivers in one half-life, divided by its fair-share weight — minus <see cref="SchedulerOptions.AgingPerHour"/> per hour the
/// head has waited (so nothing starves inside its class); then age, then id. Shares are recomputed lazily after
/// <see cref="UsageChanged"/>.
/// </summary>
internal sealed class QueueOrder
{
    private readonly IReadOnlyList<QueueInfo> _queues;
    private readonly QuotaLedger _ledger;
    private readonly long[] _typeCapacity;
    private readonly double _agingPerHour;
    private readonly long _nowTicks;
    private readonly double[] _historicShare;
    private readonly double[] _dominant;
    private readonly bool[] _stale;

    /// <param name="typeCapacity">Milli-GPUs of each GPU type in the cluster, indexed like the ledger's types.</param>
    public QueueOrder(IReadOnlyList<QueueInfo> queues, QuotaLedger ledger, long[] typeCapacity, Cycle.SchedulerOptions options, DateTimeOffset now)
    {
        _queues = queues;
        _ledger = ledger;
        _typeCapacity = typeCapacity;
        _agingPerHour = options.AgingPerHour;
        _nowTicks = now.UtcTicks;
        _historicShare = HistoricShares(queues, typeCapacity, options.UsageHalfLife, now);
        _dominant = new double[queues.Count];
        _stale = Enumerable.Repeat(true, queues.Count).ToArray();
    }

    /// <summary>The queue's usage changed in the ledger (a job placed or preempted): its share is recomputed on the next key.</summary>
    public void UsageChanged(int queue) => _stale[queue] = true;

    /// <summary>The queue's weighted dominant share, current and past usage together (before aging).</summary>
    public double Share(int queue)
    {
        if (_stale[queue])
        {
            var dominant = 0.0;
            for (var t = 0; t < _typeCapacity.Length; t++)
            {
                if (_typeCapacity[t] > 0)
                {
                    dominant = Math.Max(dominant, (double)_ledger.Usage(queue, t) / _typeCapacity[t]);
                }
            }

            var weight = _queues[queue].FairShareWeight > 0 ? _queues[queue].FairShareWeight : 1;
            _dominant[queue] = (dominant + _historicShare[queue]) / weight;
            _stale[queue] = false;
        }

        return _dominant[queue];
    }

    /// <summary>The heap key of <paramref name="head"/>, the next job of <paramref name="queue"/>.</summary>
    public HeadKey Key(int queue, PendingJob head)
    {
        var waitedHours = Math.Max(0, (_nowTicks - head.CreatedAt.UtcTicks) / (double)TimeSpan.TicksPerHour);
        var share = Share(queue) - _agingPerHour * waitedHours;
        return new HeadKey(head.Priority, share, head.CreatedAt.UtcTicks, head.Id);
    }

    /// <summary>Decayed past usage as a share: GPU-hours over what the whole cluster delivers in one half-life.</summary>
    private static double[] HistoricShares(IReadOnlyList<QueueInfo> queues, long[] typeCapacity, TimeSpan halfLife, DateTimeOffset now)
    {
        var shares = new double[queues.Count];
        var clusterGpus = typeCapacity.Sum() / (double)Placement.ClusterState.WholeGpu;
        var halfLifeHours = halfLife.TotalHours;
        if (clusterGpus <= 0 || halfLifeHours <= 0)
        {
            return shares;
        }

        for (var q = 0; q < shares.Length; q++)
        {
            var queue = queues[q];
            var usage = queue.UsageAsOf is { } asOf
                ? FairShare.Decay(queue.DecayedUsageGpuHours, asOf, now, halfLife)
                : queue.DecayedUsageGpuHours;
            shares[q] = usage / (clusterGpus * halfLifeHours);
        }

        return shares;
    }
}
