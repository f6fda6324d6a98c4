using System.Diagnostics;
using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;

namespace Scheduler.Benchmarks.Cycle;

/// <summary>
/// Time of one full scheduling cycle (snapshot to decisions, every pending job considered, backfill and preemption on) over the
/// synthetic 5,000-node cluster; p50/p99 over repeated cycles on the same snapshot after six warm-up cycles. Wall time and the
/// process's CPU time are both reported: on a shared machine the wall time also counts waiting for a core.
/// </summary>
internal static class CycleBenchmark
{
    public static CycleStats Run(int repetitions, int pending = 50_000, SchedulerOptions? options = null)
    {
        var build = Stopwatch.StartNew();
        var snapshot = SyntheticCluster.Build(pending: pending);
        build.Stop();
        options ??= SchedulerOptions.Default;
        // Warm-up: let tiered compilation reach its optimised code, as in a long-running operator.
        var last = SchedulingCycle.Run(snapshot, options);
        for (var i = 0; i < 5; i++)
        {
            last = SchedulingCycle.Run(snapshot, options);
        }

        var times = new List<double>();
        var cpuTimes = new List<double>();
        var process = Process.GetCurrentProcess();
        var allocated = new List<long>();
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

        times.Sort();
        cpuTimes.Sort();
        return new CycleStats(
            snapshot.Nodes.Count,
            snapshot.Nodes.Sum(n => n.GpuFreeMilli.Count),
            snapshot.Running.Count,
            snapshot.Pending.Count,
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
            repetitions);
    }

    public static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}

internal sealed record CycleStats(int Nodes, int Gpus, int Running, int Pending, double P50Ms, double P99Ms, double MaxMs, double CpuP50Ms, double CpuP99Ms, double AllocatedBytes,
    long PeakWorkingSet, int Placed, int Preempted, int Reserved, int LeftPending, int Repetitions);
