using System.Globalization;
using Scheduler.Benchmarks.Topology;

namespace Scheduler.Benchmarks.Tests.Topology;

public sealed class TopologyBenchmarkTests
{
    private static Dictionary<string, Dictionary<string, string>> Lines(TopologyBenchmark.Setup setup) =>
        TopologyBenchmark.Run(setup).Select(line => line.Split(' ').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]))
            .ToDictionary(f => f["topology"]);

    private static double Percent(string value) => double.Parse(value.TrimEnd('%'), CultureInfo.InvariantCulture);

    [Fact]
    public void Topology_aware_placement_keeps_more_gangs_within_one_rack_than_blind_placement_of_the_same_stream()
    {
        var lines = Lines(new TopologyBenchmark.Setup(Racks: 8, NodesPerRack: 4, RacksPerBlock: 4, Jobs: 200, Seed: 3));

        Assert.Equal(["blind", "preferred", "required"], lines.Keys.Order());
        Assert.True(Percent(lines["preferred"]["inRack"]) > Percent(lines["blind"]["inRack"]), string.Join(" | ", lines.Values.Select(v => v["inRack"])));
        // Required: every placed gang that a rack can hold is inside one.
        Assert.Equal(100, Percent(lines["required"]["inRack"]));
        Assert.All(lines.Values, v => Assert.Equal(lines["blind"]["gangs"], v["gangs"]));
    }

    [Fact]
    public void The_same_seed_reports_the_same_figures()
    {
        var setup = new TopologyBenchmark.Setup(Racks: 4, NodesPerRack: 4, RacksPerBlock: 2, Jobs: 80, Seed: 5);

        static string WithoutTiming(string line) => string.Join(' ', line.Split(' ').Where(p => !p.StartsWith("seconds=", StringComparison.Ordinal)));

        Assert.Equal(TopologyBenchmark.Run(setup).Select(WithoutTiming), TopologyBenchmark.Run(setup).Select(WithoutTiming));
    }
}
