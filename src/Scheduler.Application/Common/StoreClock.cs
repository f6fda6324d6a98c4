namespace Scheduler.Application.Common;

internal static class StoreClock
{
    /// <summary>Now, cut to the microseconds PostgreSQL keeps, so what a command answers equals what a later read returns.</summary>
    public static DateTimeOffset StoreNow(this TimeProvider clock)
    {
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);
    }
}
