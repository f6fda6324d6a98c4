using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks.Trace;

/// <summary>
/// Placement decisions per second on one core over full openb inflation runs (every task of the 130% workload is one decision:
/// scan the nodes, score the feasible ones, assign GPUs or fail). The first run warms the JIT and is not counted.
/// </summary>
internal static class PlacementSpeed
{
    public static SpeedResult Run(string podsPath, string nodesPath, PlacementPolicy policy, int runs)
    {
        var run = new InflationRun(TraceFiles.ReadNodes(nodesPath), TraceFiles.ReadTasks(podsPath));
        run.Run(policy, 1000);
        var rates = new List<double>();
        long tasks = 0, placed = 0;
        var elapsed = TimeSpan.Zero;
        for (var seed = 0; seed < runs; seed++)
        {
            var result = run.Run(policy, seed);
            rates.Add(result.Tasks / result.Elapsed.TotalSeconds);
            tasks += result.Tasks;
            placed += result.Placed;
            elapsed += result.Elapsed;
        }

        rates.Sort();
        return new SpeedResult(policy, tasks / elapsed.TotalSeconds, placed / elapsed.TotalSeconds, rates[0], tasks / runs);
    }
}

internal sealed record SpeedResult(PlacementPolicy Policy, double DecisionsPerSecond, double PlacementsPerSecond, double WorstRunDecisionsPerSecond, long TasksPerRun);
