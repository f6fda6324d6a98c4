using System.Diagnostics;
using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;

namespace Scheduler.Benchmarks.Cycle;

/// <summary>
/// Time of one full scheduling cycle (snapshot to decisions, every pending job considered, backfill and preemption on) over the
/// synthetic 5,000-node cluster; p50/p99 over repeated cycles on the same snapshot after <see cref="WarmUpCycles"/> warm-up cycles
/// (the first, cold cycle is reported on its own). Wall time and the process's CPU time are both reported: on a shared machine the
/// wall time also counts waiting for a core.
/// </summary>
internal static class CycleBenchmark
{
    /// <summary>
    /// Tiered compilation promotes a method to optimised code after 30 calls, so a method the cycle calls once (the cycle's own
    /// loop) runs unoptimised or on-stack-replaced code until the 30th cycle. The operator runs a cycle every second for as long as
    /// it leads, so its steady state is the optimised code: warm up past 30 cycles, and report the cold first cycle separately.
    /// </summary>
    public const int WarmUpCycles = 40;

    public static CycleStats Run(int repetitions, int pending = 50_000, SchedulerOptions? options = null)
    {
        var build = Stopwatch.StartNew();
        var snapshot = SyntheticCluster.Build(pending: pending);
        build.Stop();
        options ??= SchedulerOptions.Default;
        var cold = Stopwatch.StartNew();
        var last = SchedulingCycle.Run(snapshot, options);
        cold.Stop();
        for (var i = 1; i < WarmUpCycles; i++)
        {
            last = SchedulingCycle.Run(snapshot, options);
        }

        var times = new List<double>();
        var cpuTimes = new List<double>();
        var process = Process.GetCurrentProcess();
        var allocated = new List<long>();
        var collectionsBefore = Enumerable.Range(0, 3).Select(GC.CollectionCount).ToArray();
        for (var i = 0; i < repetitions; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            last = SchedulingCycle.Run(snapshot, options);
            watch.Stop();
            process.Refresh();
            cpuTimes.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            allocated.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        var collections = string.Join('/', Enumerable.Range(0, 3).Select(g => GC.CollectionCount(g) - collectionsBefore[g]));
        times.Sort();
        cpuTimes.Sort();
        return new CycleStats(
            snapshot.Nodes.Count,
            snapshot.Nodes.Sum(n => n.GpuFreeMilli.Count),
            snapshot.Running.Count,
            snapshot.Pending.Count,
            cold.Elapsed.TotalMilliseconds,
            Percentile(times, 0.50),
            Percentile(times, 0.99),
            times[^1],
            Percentile(cpuTimes, 0.50),
            Percentile(cpuTimes, 0.99),
            allocated.Average(),
            Process.GetCurrentProcess().PeakWorkingSet64,
            last.Placements.Count(),
            last.Preemptions.Count(),
            last.Reservations.Count(),
            last.PendingJobs.Count(),
            repetitions,
            collections);
    }

    public static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

internal sealed record CycleStats(int Nodes, int Gpus, int Running, int Pending, double FirstMs, double P50Ms, double P99Ms, double MaxMs, double CpuP50Ms, double CpuP99Ms, double AllocatedBytes,
    long PeakWorkingSet, int Placed, int Preempted, int Reserved, int LeftPending, int Repetitions, string Collections = "");
