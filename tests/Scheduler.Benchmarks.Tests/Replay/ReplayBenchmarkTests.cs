using Scheduler.Benchmarks.Replay;

namespace Scheduler.Benchmarks.Tests.Replay;

public sealed class ReplayBenchmarkTests
{
    [Fact]
    public void Busy_time_is_split_over_the_slices_of_the_window_it_overlaps()
    {
        var buckets = new double[4]; // slices of 25 s over a 100 s window

        ReplayBenchmark.AddBusy(buckets, from: 10, to: 60, allocated: 2, window: 100);

        Assert.Equal([30.0, 50.0, 20.0, 0.0], buckets);
    }

    [Fact]
    public void Busy_time_past_the_window_is_not_counted()
    {
        var buckets = new double[2];

        ReplayBenchmark.AddBusy(buckets, from: 40, to: 500, allocated: 1, window: 100);
        ReplayBenchmark.AddBusy(buckets, from: 120, to: 130, allocated: 1, window: 100);

        Assert.Equal([10.0, 50.0], buckets);
    }

    [Fact]
    public void The_mean_of_the_slices_is_the_utilization_over_the_whole_window()
    {
        using var csv = new Trace.TraceCsv().Nodes(5, gpus: 8, "T4");
        for (var i = 0; i < 40; i++)
        {
            csv.Pods(1, gpus: 1 + (i % 4), creationTime: i * 100, deletionTime: i * 100 + 250 + (i % 7) * 90);
        }

        var lines = ReplayBenchmark.Run(csv.PodsPath, csv.NodesPath, load: 0.4, nodeStride: 1);

        Assert.All(lines, line =>
        {
            Assert.Equal(ReplayBenchmark.UtilizationBuckets, line.UtilizationOverTime.Count);
            Assert.Equal(line.Utilization, line.UtilizationOverTime.Average(), precision: 9);
            Assert.All(line.UtilizationOverTime, u => Assert.InRange(u, 0, 1));
        });
    }
}
