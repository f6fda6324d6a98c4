namespace Scheduler.Core.Ordering;

/// <summary>Half-life decay of usage, the piece of fair sharing the operator also needs to keep its usage ledger.</summary>
public static class FairShare
{
    /// <summary><paramref name="usage"/> recorded at <paramref name="asOf"/>, decayed to <paramref name="now"/>: half as much per half-life.</summary>
    public static double Decay(double usage, DateTimeOffset asOf, DateTimeOffset now, TimeSpan halfLife)
    {
        if (halfLife <= TimeSpan.Zero || now <= asOf)
        {
            return usage;
        }

        return usage * Math.Pow(0.5, (now - asOf).TotalSeconds / halfLife.TotalSeconds);
    }
}
