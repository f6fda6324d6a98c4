using System.Globalization;
using System.Text.RegularExpressions;
using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks.Tests.Trace;

public sealed partial class TraceBenchmarkTests
{
    [Fact]
    public void Prints_exactly_one_contract_line_per_policy_and_the_per_seed_figures_apart()
    {
        using var csv = new TraceCsv().Nodes(4, gpus: 8, "V100M16").Pods(20, gpus: 1, gpuMilli: 500).Pods(6, gpus: 2).Pods(2, gpus: 8);
        var output = new StringWriter();
        var details = new StringWriter();

        TraceBenchmark.Run(csv.PodsPath, csv.NodesPath, seeds: 3, TraceBenchmark.AllPolicies, output, details);

        var lines = Lines(output);
        Assert.Equal(TraceBenchmark.AllPolicies.Select(TraceBenchmark.PolicyName), lines.Select(l => ContractLine().Match(l).Groups["policy"].Value));
        Assert.All(lines, line => Assert.Matches(ContractLine(), line));
        Assert.All(Lines(details), line => Assert.Matches(@"^policy=\S+ perSeedEnd=\d+\.\d\d,\d+\.\d\d,\d+\.\d\d$", line));
    }

    [Fact]
    public void Whole_gpu_tasks_that_tile_the_cluster_fill_it()
    {
        // 16 one-GPU tasks on 2 × 8 GPUs: every policy fits them all; inflation copies beyond 100% find no room.
        using var csv = new TraceCsv().Nodes(2, gpus: 8, "T4").Pods(16, gpus: 1);
        var output = new StringWriter();

        var results = TraceBenchmark.Run(csv.PodsPath, csv.NodesPath, seeds: 2, [PlacementPolicy.BestFit, PlacementPolicy.FragmentationAware], output, TextWriter.Null);

        Assert.All(results, r =>
        {
            Assert.Equal(100, r.Alloc100, precision: 6);
            Assert.Equal(100, r.AllocEnd, precision: 6);
        });
    }

    [Fact]
    public void A_task_that_fits_no_node_leaves_the_allocation_below_full()
    {
        // One node of 4 GPUs; the 8-GPU task never fits, the two 1-GPU tasks do. The list already asks for more than 130% of
        // the cluster, so no copies are drawn: 2 of 3 tasks placed, 2 of 4 GPUs allocated.
        using var csv = new TraceCsv().Nodes(1, gpus: 4, "P100").Pods(1, gpus: 8).Pods(2, gpus: 1);
        var run = new InflationRun(TraceFiles.ReadNodes(csv.NodesPath), TraceFiles.ReadTasks(csv.PodsPath));

        var result = run.Run(PlacementPolicy.BestFit, seed: 0);

        Assert.Equal(3, result.Tasks);
        Assert.Equal(2, result.Placed);
        Assert.Equal(0.5, result.AllocEnd, precision: 9);
    }

    [Fact]
    public void The_inflated_workload_holds_every_task_once_and_stops_before_130_percent_of_the_cluster()
    {
        using var csv = new TraceCsv().Nodes(3, gpus: 8, "V100M32").Pods(10, gpus: 1, gpuMilli: 300).Pods(5, gpus: 2);
        var tasks = TraceFiles.ReadTasks(csv.PodsPath);
        var run = new InflationRun(TraceFiles.ReadNodes(csv.NodesPath), tasks);

        var order = run.Workload(seed: 7, inflation: 1.3);

        Assert.Equal(Enumerable.Range(0, tasks.Count), order.Take(tasks.Count).Order());
        var requested = order.Sum(i => tasks[i].RequestedMilli);
        Assert.InRange(requested, tasks.Sum(t => t.RequestedMilli), (long)(1.3 * run.ClusterGpuMilli));
        Assert.Equal(order, run.Workload(seed: 7, inflation: 1.3));
    }

    [Fact]
    public void Reads_shared_whole_and_typed_tasks_from_the_openb_columns()
    {
        using var csv = new TraceCsv().Pods(1, gpus: 1, gpuMilli: 250).Pods(1, gpus: 4, gpuSpec: "V100M16|V100M32").Pods(1, gpus: 0, gpuMilli: 0);

        var tasks = TraceFiles.ReadTasks(csv.PodsPath);

        Assert.Equal([250L, 4000L, 0L], tasks.Select(t => t.RequestedMilli));
        Assert.Equal([250, 1000, 1000], tasks.Select(t => t.MilliPerGpu));
        Assert.Equal("V100M16|V100M32", tasks[1].GpuSpec);
    }

    private static string[] Lines(StringWriter writer) =>
        writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^policy=(?<policy>\S+) alloc100=\d+\.\d\d allocEnd=\d+\.\d\d$", RegexOptions.CultureInvariant)]
    private static partial Regex ContractLine();
}
