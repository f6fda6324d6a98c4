using Microsoft.Extensions.Time.Testing;
using Scheduler.Operator.Cycle;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class CycleTriggerTests
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task A_cycle_longer_than_the_debounce_holds_the_next_one_back_by_its_length()
    {
        var time = new FakeTimeProvider();
        var trigger = new CycleTrigger(time, Debounce, longestPause: TimeSpan.FromSeconds(1));
        await StartCycleAsync(trigger, time);
        time.Advance(TimeSpan.FromMilliseconds(400)); // the cycle runs

        trigger.Request();
        var next = trigger.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(Debounce);
        Assert.False(next.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(300));
        await next.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(20, 0, 100)] // a short cycle: the debounce
    [InlineData(400, 50, 350)] // the rest of a long cycle's length
    [InlineData(400, 1000, 100)] // long over: the debounce
    public void Pauses_for_the_debounce_or_the_rest_of_the_last_cycles_length(int lastCycleMs, int sinceEndedMs, int expectedMs) =>
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs),
            CycleTrigger.Pause(Debounce, TimeSpan.FromMilliseconds(lastCycleMs), TimeSpan.FromMilliseconds(sinceEndedMs)));

    private static async Task StartCycleAsync(CycleTrigger trigger, FakeTimeProvider time)
    {
        trigger.Request();
        var first = trigger.WaitAsync(TestContext.Current.CancellationToken);
        time.Advance(Debounce);
        await first.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }
}
