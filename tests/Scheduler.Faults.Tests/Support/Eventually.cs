namespace Scheduler.Faults.Tests.Support;

/// <summary>Waits on a condition with a deadline (never a fixed sleep), polling it briefly.</summary>
internal static class Eventually
{
    public static async Task TrueAsync(Func<Task<bool>> condition, TimeSpan within, Func<string> because, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow + within;
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail(because());
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
        }
    }
}
