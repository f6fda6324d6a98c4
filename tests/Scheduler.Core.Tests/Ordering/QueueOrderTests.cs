using Scheduler.Core.Cycle;
using Scheduler.Core.Ordering;
using Scheduler.Core.Quotas;
using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;

namespace Scheduler.Core.Tests.Ordering;

public sealed class QueueOrderTests
{
    private static readonly string[] Types = ["H100-SXM", "A100-80GB"];

    /// <summary>16 H100 and 8 A100 in the cluster (milli).</summary>
    private static readonly long[] Capacity = [16_000, 8_000];

    private static (QueueOrder Order, QuotaLedger Ledger) Build(SchedulerOptions? options = null, params QueueInfo[] queues)
    {
        var ledger = new QuotaLedger(queues, Types);
        return (new QueueOrder(queues, ledger, Capacity, options ?? SchedulerOptions.Default, SnapshotBuilder.T0), ledger);
    }

    private static QueueInfo Queue(string name, double weight = 1, double usageGpuHours = 0, DateTimeOffset? usageAsOf = null) =>
        new() { Name = name, FairShareWeight = weight, DecayedUsageGpuHours = usageGpuHours, UsageAsOf = usageAsOf };

    [Fact]
    public void Share_is_the_usage_of_the_most_used_gpu_type_over_its_capacity()
    {
        var (order, ledger) = Build(null, Queue("a"));
        ledger.Add(0, 0, 4_000);
        ledger.Add(0, 1, 4_000);

        // 4 of 16 H100 is a quarter, 4 of 8 A100 a half: the dominant share is the half.
        Assert.Equal(0.5, order.Share(0), 9);
    }

    [Fact]
    public void Fair_share_weight_divides_the_share()
    {
        var (order, ledger) = Build(null, Queue("light", weight: 1), Queue("heavy", weight: 4));
        ledger.Add(0, 0, 8_000);
        ledger.Add(1, 0, 8_000);

        Assert.Equal(0.5, order.Share(0), 9);
        Assert.Equal(0.125, order.Share(1), 9);
    }

    [Fact]
    public void Share_follows_the_ledger_only_after_usage_changed_is_signalled()
    {
        var (order, ledger) = Build(null, Queue("a"));
        Assert.Equal(0, order.Share(0));

        ledger.Add(0, 0, 8_000);
        Assert.Equal(0, order.Share(0));

        order.UsageChanged(0);
        Assert.Equal(0.5, order.Share(0), 9);
    }

    [Fact]
    public void Past_usage_counts_as_a_share_of_what_the_cluster_delivers_in_one_half_life()
    {
        // 24 GPUs × 24 h half-life = 576 GPU-hours; 288 of them used is half.
        var (order, _) = Build(null, Queue("a", usageGpuHours: 288));

        Assert.Equal(0.5, order.Share(0), 9);
    }

    [Fact]
    public void Past_usage_recorded_earlier_is_decayed_to_the_snapshot_time()
    {
        var (order, _) = Build(null, Queue("a", usageGpuHours: 288, usageAsOf: SnapshotBuilder.T0 - TimeSpan.FromHours(24)));

        Assert.Equal(0.25, order.Share(0), 9);
    }

    [Fact]
    public void Higher_priority_goes_first_whatever_the_shares()
    {
        var (order, ledger) = Build(null, Queue("busy"), Queue("idle"));
        ledger.Add(0, 0, 16_000);
        order.UsageChanged(0);

        var busyHigh = order.Key(0, Jobs.Pending("high", "busy", priority: 2000));
        var idleNormal = order.Key(1, Jobs.Pending("normal", "idle", age: TimeSpan.FromDays(30)));

        Assert.True(HeadKeyComparer.Instance.Compare(busyHigh, idleNormal) < 0);
    }

    [Fact]
    public void Lower_share_goes_first_within_a_priority_class()
    {
        var (order, ledger) = Build(null, Queue("busy"), Queue("idle"));
        ledger.Add(0, 0, 8_000);
        order.UsageChanged(0);

        var busy = order.Key(0, Jobs.Pending("busy-older", "busy", age: TimeSpan.FromHours(2)));
        var idle = order.Key(1, Jobs.Pending("idle-newer", "idle", age: TimeSpan.FromHours(1)));

        Assert.True(HeadKeyComparer.Instance.Compare(idle, busy) < 0);
    }

    [Theory]
    [InlineData(9, "idle")]
    [InlineData(11, "busy")]
    public void Waiting_lowers_the_key_by_the_aging_rate_until_an_older_head_overtakes(int busyWaitedHours, string first)
    {
        // Share 0.5 against 0 at 0.05 per hour: ten hours more of waiting make up the difference.
        var (order, ledger) = Build(new SchedulerOptions { AgingPerHour = 0.05 }, Queue("busy"), Queue("idle"));
        ledger.Add(0, 0, 8_000);
        order.UsageChanged(0);

        var busy = order.Key(0, Jobs.Pending("busy", "busy", age: TimeSpan.FromHours(busyWaitedHours)));
        var idle = order.Key(1, Jobs.Pending("idle", "idle", age: TimeSpan.Zero));

        Assert.Equal(first, HeadKeyComparer.Instance.Compare(busy, idle) < 0 ? "busy" : "idle");
    }

    [Fact]
    public void Equal_keys_fall_back_to_age_then_id()
    {
        var (order, _) = Build(new SchedulerOptions { AgingPerHour = 0 }, Queue("a"), Queue("b"));

        var older = order.Key(1, Jobs.Pending("z", "b", age: TimeSpan.FromHours(2)));
        var newer = order.Key(0, Jobs.Pending("a", "a", age: TimeSpan.FromHours(1)));
        var sameAgeB = order.Key(1, Jobs.Pending("b", "b", age: TimeSpan.FromHours(1)));

        Assert.True(HeadKeyComparer.Instance.Compare(older, newer) < 0);
        Assert.True(HeadKeyComparer.Instance.Compare(newer, sameAgeB) < 0);
    }
}
