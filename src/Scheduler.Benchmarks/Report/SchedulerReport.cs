using System.Globalization;
using System.Text;
using Scheduler.Benchmarks.Cycle;
using Scheduler.Benchmarks.Replay;
using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks.Report;

/// <summary>Runs every scheduler benchmark and writes <c>scheduler.md</c> with the numbers, the machine and how to reproduce them.</summary>
internal static class SchedulerReport
{
    private static readonly (string Trace, double BestFit, double Fgd)[] Published =
    [
        ("default", 93.08, 95.39),
        ("multigpu20", 93.93, 95.65),
        ("gpushare40", 91.69, 94.15),
    ];

    public static void RunAll(string outDir, int seeds, TextWriter log)
    {
        var started = DateTimeOffset.UtcNow;
        var load = LoadAverage();
        var md = new StringBuilder();
        var traces = Path.GetFullPath(Path.Combine("..", "shared", "traces"));
        var nodes = Path.Combine(traces, "openb_node_list_gpu_node.csv");
        if (!File.Exists(nodes))
        {
            throw new FileNotFoundException($"the openb traces are not at {traces} (see ../shared/traces/README.md)");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"## Placement quality (openb inflation protocol, mean of {seeds} seeds, GPU allocation %)");
        md.AppendLine();
        md.AppendLine("| trace | policy | at 100% arrived | at the end (130%) | published BestFit / FGD (end) |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var (trace, bestFit, fgd) in Published)
        {
            log.WriteLine($"trace {trace}");
            var lines = TraceBenchmark.Run(Path.Combine(traces, $"openb_pod_list_{trace}.csv"), nodes, seeds, TraceBenchmark.AllPolicies, log);
            foreach (var line in lines)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| {trace} | {TraceBenchmark.PolicyName(line.Policy)} | {line.Alloc100:F2} | {line.AllocEnd:F2} | {bestFit:F2} / {fgd:F2} |");
            }
        }

        log.WriteLine("placements");
        var speed = PlacementSpeed.Run(Path.Combine(traces, "openb_pod_list_default.csv"), nodes, PlacementPolicy.FragmentationAware, seeds);
        var bestFitSpeed = PlacementSpeed.Run(Path.Combine(traces, "openb_pod_list_default.csv"), nodes, PlacementPolicy.BestFit, seeds);
        log.WriteLine(Describe(speed));
        log.WriteLine("cycle");
        var cycle = CycleBenchmark.Run(20);
        log.WriteLine(Describe(cycle));
        log.WriteLine("replay");
        var replay = ReplayBenchmark.Run(Path.Combine(traces, "openb_pod_list_default.csv"), nodes, 0.9);
        foreach (var line in replay)
        {
            log.WriteLine(Describe(line));
        }

        md.AppendLine();
        md.AppendLine("## Placement speed (openb default, full inflation runs, one thread)");
        md.AppendLine();
        md.AppendLine("| policy | decisions/s | successful placements/s | slowest run (decisions/s) | tasks per run |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var s in new[] { speed, bestFitSpeed })
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {TraceBenchmark.PolicyName(s.Policy)} | {s.DecisionsPerSecond:N0} | {s.PlacementsPerSecond:N0} | {s.WorstRunDecisionsPerSecond:N0} | {s.TasksPerRun:N0} |");
        }

        md.AppendLine();
        md.AppendLine("## One scheduling cycle (synthetic cluster, backfill and preemption on)");
        md.AppendLine();
        md.AppendLine(Describe(cycle));
        md.AppendLine();
        md.AppendLine("## Time-based replay (openb default)");
        md.AppendLine();
        md.AppendLine("| mode | arrivals compressed | mean wait (s) | p95 wait (s) | GPU utilization over the arrival window | cycles | wall time |");
        md.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in replay)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Mode} | {r.Compression:F0}× | {r.MeanWaitSeconds:F0} | {r.P95WaitSeconds:F0} | {100 * r.Utilization:F1}% | {r.Cycles:N0} | {r.Elapsed.TotalSeconds:F1} s |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Run {started:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores ({Environment.OSVersion}, .NET {Environment.Version}); load average before: {load}, after: {LoadAverage()}.");
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, "scheduler-results.md");
        File.WriteAllText(path, md.ToString());
        log.WriteLine($"wrote {path}");
    }

    public static string Describe(SpeedResult s) => string.Create(CultureInfo.InvariantCulture,
        $"policy={TraceBenchmark.PolicyName(s.Policy)} decisions/s={s.DecisionsPerSecond:F0} placements/s={s.PlacementsPerSecond:F0} slowestRun={s.WorstRunDecisionsPerSecond:F0} tasksPerRun={s.TasksPerRun}");

    public static string Describe(CycleStats c) => string.Create(CultureInfo.InvariantCulture,
        $"nodes={c.Nodes} gpus={c.Gpus} running={c.Running} pending={c.Pending} p50={c.P50Ms:F1}ms p99={c.P99Ms:F1}ms max={c.MaxMs:F1}ms cpuP50={c.CpuP50Ms:F1}ms cpuP99={c.CpuP99Ms:F1}ms allocated/cycle={c.AllocatedBytes / 1048576:F1}MiB peakWorkingSet={c.PeakWorkingSet / 1048576}MiB placed={c.Placed} preempted={c.Preempted} reserved={c.Reserved} pending={c.LeftPending} repetitions={c.Repetitions}");

    public static string Describe(ReplayLine r) => string.Create(CultureInfo.InvariantCulture,
        $"mode=\"{r.Mode}\" compression={r.Compression:F0}x meanWait={r.MeanWaitSeconds:F0}s p95Wait={r.P95WaitSeconds:F0}s utilization={100 * r.Utilization:F1}% tasks={r.Tasks} cycles={r.Cycles} wall={r.Elapsed.TotalSeconds:F1}s");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
