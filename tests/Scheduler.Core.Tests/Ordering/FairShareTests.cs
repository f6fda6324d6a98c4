using Scheduler.Core.Ordering;
using Scheduler.Core.Tests.Builders;

namespace Scheduler.Core.Tests.Ordering;

public sealed class FairShareTests
{
    [Theory]
    [InlineData(0, 100)]
    [InlineData(7, 50)]
    [InlineData(14, 25)]
    public void Usage_halves_every_half_life(int daysLater, double expected)
    {
        var decayed = FairShare.Decay(100, SnapshotBuilder.T0, SnapshotBuilder.T0.AddDays(daysLater), TimeSpan.FromDays(7));

        Assert.Equal(expected, decayed, 9);
    }

    [Fact]
    public void Usage_recorded_in_the_future_or_without_a_half_life_is_kept()
    {
        Assert.Equal(100, FairShare.Decay(100, SnapshotBuilder.T0, SnapshotBuilder.T0.AddHours(-1), TimeSpan.FromDays(7)));
        Assert.Equal(100, FairShare.Decay(100, SnapshotBuilder.T0, SnapshotBuilder.T0.AddDays(3), TimeSpan.Zero));
    }
}
