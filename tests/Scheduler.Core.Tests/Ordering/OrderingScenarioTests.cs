using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Ordering;

/// <summary>Which job goes first through whole cycles: priority, fair share, age, decayed usage.</summary>
public sealed class OrderingScenarioTests
{
    [Fact]
    public void Orders_by_priority_then_fair_share_then_age()
    {
        // One free GPU: who gets it?
        SnapshotBuilder Cluster() => new SnapshotBuilder()
            .Node("n", "H100-SXM", 2)
            .Running("heavy", "busy", 1000, [("n", [0])])
            .Queue("busy", quotas: [H100x16])
            .Queue("idle", quotas: [H100x16]);

        var byPriority = Run(Cluster()
            .Pending(Jobs.Pending("old-normal", "idle", age: TimeSpan.FromHours(5)))
            .Pending(Jobs.Pending("new-high", "busy", priority: 10_000, age: TimeSpan.FromMinutes(1))));
        Assert.Equal("new-high", Assert.Single(byPriority.Placements).JobId);

        var byShare = Run(Cluster()
            .Pending(Jobs.Pending("busy-older", "busy", age: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("idle-newer", "idle", age: TimeSpan.FromHours(1))));
        Assert.Equal("idle-newer", Assert.Single(byShare.Placements).JobId);

        var byAge = Run(Cluster()
            .Pending(Jobs.Pending("busy-much-older", "busy", age: TimeSpan.FromHours(48)))
            .Pending(Jobs.Pending("idle-newer", "idle", age: TimeSpan.FromHours(1))));
        Assert.Equal("busy-much-older", Assert.Single(byAge.Placements).JobId);
    }

    [Fact]
    public void Decayed_usage_lowers_a_queues_turn()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n", "H100-SXM", 1)
            .Queue("heavy", usageGpuHours: 500, quotas: [H100x16])
            .Queue("light", usageGpuHours: 10, quotas: [H100x16])
            .Pending(Jobs.Pending("h", "heavy", age: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("l", "light", age: TimeSpan.FromHours(1))));

        Assert.Equal("l", Assert.Single(result.Placements).JobId);
    }
}
