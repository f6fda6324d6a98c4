using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Distributed;
using Scheduler.Trainer.Tests.Support;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Distributed;

public sealed class RingAllReduceTests
{
    private static Task<RingAllReduce[]> Ring(int worldSize) => Rendezvous.RunAsync(worldSize,
        (rank, port, ct) => RingAllReduce.ConnectAsync(rank, worldSize, "127.0.0.1", port, TextWriter.Null, ct));

    [Theory]
    [InlineData(2, 5)]
    [InlineData(3, 1001)]
    public async Task Every_rank_ends_with_the_elementwise_sum_and_rank_zeros_broadcast(int worldSize, int length)
    {
        var ring = await Ring(worldSize);
        try
        {
            var data = ring.Select(r => Enumerable.Range(0, length).Select(i => (float)(i * (r.Rank + 1))).ToArray()).ToArray();
            await Task.WhenAll(ring.Select((r, i) => Task.Run(() => r.AllReduceSum(data[i]))));
            var factor = worldSize * (worldSize + 1) / 2;
            foreach (var values in data)
            {
                Assert.Equal(Enumerable.Range(0, length).Select(i => (float)(i * factor)), values);
            }

            var received = await Task.WhenAll(ring.Select(r => Task.Run(() => r.Broadcast(r.Rank == 0 ? [1, 2, 3] : null))));
            Assert.All(received, bytes => Assert.Equal([1, 2, 3], bytes));
        }
        finally
        {
            foreach (var rank in ring)
            {
                rank.Dispose();
            }
        }
    }

    [Fact]
    public async Task Two_ranks_train_like_one_rank_on_the_same_global_batch()
    {
        var spec = TinyJob.Spec(steps: 4, globalBatch: 4, microBatch: 1, interval: 2);
        using var single = new TempDirectory();
        var (_, expected) = TinyJob.Run(TinyJob.Plan(spec), single.Path);

        var ring = await Ring(2);
        using var rank0 = new TempDirectory();
        using var rank1 = new TempDirectory();
        var plan = TinyJob.Plan(spec, worldSize: 2);
        var runs = await Task.WhenAll(
            Task.Run(() => TinyJob.Run(plan, rank0.Path, reducer: ring[0])),
            Task.Run(() => TinyJob.Run(plan, rank1.Path, reducer: ring[1])));
        foreach (var rank in ring)
        {
            rank.Dispose();
        }

        Assert.All(runs, r => Assert.Equal(TrainerExitCodes.Finished, r.ExitCode));
        Assert.Equal(runs[0].Steps.Select(s => s.Loss), runs[1].Steps.Select(s => s.Loss));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Loss, runs[0].Steps[i].Loss, 5);
            Assert.Equal(expected[i].GradientNorm, runs[0].Steps[i].GradientNorm, 4);
        }

        Assert.NotEmpty(Directory.EnumerateFiles(rank0.Path, "*.committed"));
        Assert.Empty(Directory.EnumerateFiles(rank1.Path));
    }
}
