using System.Diagnostics;
using Scheduler.Application.Scheduling;
using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;
using Scheduler.Core.Snapshots;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Store;

namespace Scheduler.Benchmarks.Cycle;

/// <summary>
/// What an array of <c>tasks</c> one-GPU tasks costs a cycle on the synthetic cluster (<see cref="SyntheticCluster"/>, 50,000
/// other jobs pending): the operator's gate (<see cref="JobGate"/>), the snapshot of the tasks it offers and the core's cycle,
/// timed together, against the cycle without the array and against a cycle that sees every task (no gate).
/// </summary>
internal static class ArrayCycleBenchmark
{
    public static IReadOnlyList<ArrayCycleStats> Run(int repetitions, int pending, int tasks, int parallelism, SchedulerOptions options)
    {
        var snapshot = SyntheticCluster.Build(pending: pending);
        var builder = new SnapshotBuilder(PriorityClasses.Default);
        var freeMilli = snapshot.Nodes.Sum(n => (long)n.GpuFreeMilli.Sum());
        var bounded = Tasks(snapshot.Now, tasks, parallelism);
        var unbounded = Tasks(snapshot.Now, tasks, tasks);
        var noTargets = new Dictionary<Guid, IReadOnlyList<DependencyTarget>>();

        return
        [
            Measure("no array", repetitions, () => SchedulingCycle.Run(snapshot, options), 0),
            Measure($"array of {tasks}, every task in the core (no gate)", repetitions,
                () => SchedulingCycle.Run(With(snapshot, builder, unbounded), options), tasks),
            Measure($"array of {tasks}, gated, parallelism {parallelism}", repetitions, () =>
            {
                var gate = JobGate.Apply(bounded, noTargets, freeMilli);
                return SchedulingCycle.Run(With(snapshot, builder, gate.Offered(bounded)), options);
            }, JobGate.Apply(bounded, noTargets, freeMilli).Offered(bounded).Count),
            Measure($"array of {tasks}, gated, parallelism {tasks} (the free GPUs bound the window)", repetitions, () =>
            {
                var gate = JobGate.Apply(unbounded, noTargets, freeMilli);
                return SchedulingCycle.Run(With(snapshot, builder, gate.Offered(unbounded)), options);
            }, JobGate.Apply(unbounded, noTargets, freeMilli).Offered(unbounded).Count),
        ];
    }

    /// <summary>The synthetic snapshot with the array's offered tasks pending too, translated as the operator translates them.</summary>
    private static Snapshot With(Snapshot snapshot, SnapshotBuilder builder, IReadOnlyList<OperatorJob> offered) =>
        snapshot with { Pending = [.. snapshot.Pending, .. builder.Build(snapshot.Now, [], [], offered).Pending] };

    private static List<OperatorJob> Tasks(DateTimeOffset now, int count, int parallelism)
    {
        var arrayId = Guid.CreateVersion7(now);
        var spec = new JobSpec
        {
            Name = "sweep",
            Queue = "team-000",
            PriorityClass = "normal",
            Resources = new ResourceSpec { GpuType = "A100-80GB", Gpus = 1, GpusPerNode = 1 },
            Array = new ArraySpec { Count = count, Parallelism = parallelism },
        };
        return Enumerable.Range(0, count).Select(i => new OperatorJob
        {
            Id = new JobId(Guid.CreateVersion7(now)),
            Name = JobSpecValidator.TaskName("sweep", i),
            Queue = "team-000",
            Namespace = "default",
            PriorityClass = "normal",
            State = JobState.Queued,
            Spec = spec with { Name = JobSpecValidator.TaskName("sweep", i) },
            CreatedAt = now.AddMinutes(-5),
            QueuedAt = now.AddMinutes(-5),
            PredictedRuntime = TimeSpan.FromHours(1),
            ArrayId = arrayId,
            ArrayIndex = i,
        }).ToList();
    }

    private static ArrayCycleStats Measure(string variant, int repetitions, Func<CycleResult> cycle, int offered)
    {
        // Warm-up, as in CycleBenchmark: tiered compilation reaches its optimised code.
        var last = cycle();
        for (var i = 1; i < CycleBenchmark.WarmUpCycles; i++)
        {
            last = cycle();
        }

        var times = new List<double>();
        var cpuTimes = new List<double>();
        var process = Process.GetCurrentProcess();
        for (var i = 0; i < repetitions; i++)
        {
            process.Refresh();
            var cpuBefore = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            last = cycle();
            watch.Stop();
            process.Refresh();
            cpuTimes.Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        cpuTimes.Sort();
        return new ArrayCycleStats(variant, offered, CycleBenchmark.Percentile(times, 0.5), CycleBenchmark.Percentile(times, 0.99),
            CycleBenchmark.Percentile(cpuTimes, 0.5), CycleBenchmark.Percentile(cpuTimes, 0.99), last.Placements.Count(), repetitions);
    }
}

internal sealed record ArrayCycleStats(string Variant, int TasksInCore, double P50Ms, double P99Ms, double CpuP50Ms, double CpuP99Ms, int Placed, int Repetitions)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"variant=\"{Variant}\" tasksInCore={TasksInCore} p50={P50Ms:0.0}ms p99={P99Ms:0.0}ms cpuP50={CpuP50Ms:0.0}ms cpuP99={CpuP99Ms:0.0}ms placed={Placed} repetitions={Repetitions}");
}
