using System.Globalization;
using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks.Trace;

/// <summary>
/// Placement quality: mean GPU allocation ratio at 100% and at the end (130%) of the inflation protocol, per policy. Each policy's
/// result is one line of exactly <c>policy=NAME alloc100=PCT allocEnd=PCT</c> on the output (the contract scripts parse); the
/// per-seed figures go to the details writer, on a line of their own.
/// </summary>
internal static class TraceBenchmark
{
    /// <summary>Every policy of <see cref="PlacementPolicies.All"/>, in its order (ours first).</summary>
    public static readonly PlacementPolicy[] AllPolicies = [.. PlacementPolicies.All.Select(p => p.Policy)];

    public static IReadOnlyList<TraceLine> Run(
        string podsPath, string nodesPath, int seeds, IReadOnlyList<PlacementPolicy> policies, TextWriter output, TextWriter details, int firstSeed = 0)
    {
        var run = new InflationRun(TraceFiles.ReadNodes(nodesPath), TraceFiles.ReadTasks(podsPath));
        var lines = new List<TraceLine>();
        foreach (var policy in policies)
        {
            var results = Enumerable.Range(firstSeed, seeds).Select(seed => run.Run(policy, seed)).ToList();
            var line = new TraceLine(policy, 100 * results.Average(r => r.Alloc100), 100 * results.Average(r => r.AllocEnd),
                results.Average(r => r.Tasks), results.Sum(r => r.Elapsed.TotalSeconds));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"policy={PolicyName(policy)} alloc100={line.Alloc100:F2} allocEnd={line.AllocEnd:F2}"));
            details.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"policy={PolicyName(policy)} perSeedEnd={string.Join(',', results.Select(r => (100 * r.AllocEnd).ToString("F2", CultureInfo.InvariantCulture)))}"));
            lines.Add(line);
        }

        return lines;
    }

    public static string PolicyName(PlacementPolicy policy) => PlacementPolicies.NameOf(policy);

    public static PlacementPolicy ParsePolicy(string name) =>
        PlacementPolicies.TryParse(name, out var policy) ? policy : throw new ArgumentException($"--policies: unknown policy '{name}' ({PlacementPolicies.Names})");
}

internal sealed record TraceLine(PlacementPolicy Policy, double Alloc100, double AllocEnd, double Tasks, double Seconds);
