namespace Scheduler.Benchmarks.Replay;

/// <summary>The time compression at which a trace offers a given load: offered load grows with the compression, so bisect it geometrically.</summary>
internal static class LoadBisection
{
    /// <summary>The smallest compression in [<paramref name="lo"/>, <paramref name="hi"/>] found whose offered load reaches <paramref name="load"/>.</summary>
    public static double Solve(Func<double, double> offered, double load, double lo, double hi, int iterations)
    {
        for (var i = 0; i < iterations; i++)
        {
            var mid = Math.Sqrt(lo * hi);
            if (offered(mid) < load)
            {
                lo = mid;
            }
            else
            {
                hi = mid;
            }
        }

        return hi;
    }
}
