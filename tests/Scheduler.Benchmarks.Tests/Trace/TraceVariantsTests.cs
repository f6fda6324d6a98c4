using Scheduler.Benchmarks.Trace;

namespace Scheduler.Benchmarks.Tests.Trace;

public sealed class TraceVariantsTests
{
    /// <summary>40 CPU-only, 200 sharing (300 milli), 150 one-GPU and 10 four-GPU tasks: sharing asks for 60,000 of 250,000 milli.</summary>
    private static IReadOnlyList<TraceTask> Source()
    {
        using var csv = new TraceCsv().Pods(40, gpus: 0, gpuMilli: 0).Pods(200, gpus: 1, gpuMilli: 300).Pods(150, gpus: 1).Pods(10, gpus: 4);
        return TraceFiles.ReadTasks(csv.PodsPath);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(60)]
    [InlineData(100)]
    public void Gpushare_variants_give_sharing_tasks_the_asked_share_of_gpu_milli_with_as_many_tasks(int percent)
    {
        var source = Source();

        var variant = TraceVariants.GpuShare(source, percent, seed: 1);

        Assert.Equal(source.Count, variant.Count);
        Assert.Equal(40, variant.Count(t => t.NumGpu == 0));
        Assert.InRange(100 * TraceVariants.MilliShare(variant, TraceVariants.IsSharing), percent - 1.5, percent + 1.5);
    }

    [Theory]
    [InlineData(30)]
    [InlineData(50)]
    public void Multigpu_variants_keep_every_task_and_add_multi_gpu_ones_up_to_the_share(int percent)
    {
        var source = Source();

        var variant = TraceVariants.MultiGpu(source, percent, seed: 1);

        var share = 100 * TraceVariants.MilliShare(variant, t => t.NumGpu > 1);
        Assert.InRange(share, percent, percent + 2);
        Assert.Equal(source.Count(t => t.NumGpu <= 1), variant.Count(t => t.NumGpu <= 1));
        Assert.All(variant.Where(t => t.NumGpu > 1), t => Assert.Equal(4, t.NumGpu));
    }

    [Fact]
    public void A_seed_gives_the_same_variant_and_another_seed_another()
    {
        var source = Source();

        var once = TraceVariants.GpuShare(source, 60, seed: 7);

        Assert.Equal(once, TraceVariants.GpuShare(source, 60, seed: 7));
        Assert.NotEqual(once, TraceVariants.GpuShare(source, 60, seed: 8));
        Assert.Equal(once.Count, once.Select(t => t.Name).Distinct().Count());
    }

    [Fact]
    public void Written_variants_read_back_as_the_same_tasks()
    {
        var dir = Directory.CreateTempSubdirectory("variants").FullName;
        try
        {
            var variant = TraceVariants.MultiGpu(Source(), 40, seed: 3);

            var path = TraceVariants.Write(Path.Combine(dir, "v.csv"), variant);

            Assert.Equal(variant, TraceFiles.ReadTasks(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
