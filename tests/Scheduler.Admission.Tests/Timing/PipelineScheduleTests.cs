using Scheduler.Admission.Calibration;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Timing;

/// <summary>Bubble fractions of the pipeline schedules, uneven stages, expert all-to-all, and the MFU model's shape.</summary>
public sealed class PipelineScheduleTests
{
    /// <summary>A 24-layer model on 8 pipeline stages, 16 micro-batches per step.</summary>
    private static Estimate Pipelined(PipelineSchedule schedule, int? virtualStages = null, int layers = 24) =>
        Jobs.Estimate(JobSpecBuilder.AJob()
            .Model(m => m with { Layers = layers })
            .Gpus(8)
            .Parallelism(p => p with { Pipeline = 8, Data = 1, PipelineSchedule = schedule, VirtualStages = virtualStages })
            .Training(t => t with { GlobalBatchSize = 16 }));

    [Theory]
    [InlineData(PipelineSchedule.OneForwardOneBackward, null, 7.0 / 16)]
    [InlineData(PipelineSchedule.Interleaved, 3, 7.0 / (3 * 16))]
    [InlineData(PipelineSchedule.ZeroBubble, null, 7.0 / (3 * 16))]
    public void Each_schedule_idles_its_published_bubble_fraction(PipelineSchedule schedule, int? virtualStages, double fraction)
    {
        var estimate = Pipelined(schedule, virtualStages);

        Assert.Equal(fraction, estimate.StepBreakdown.PipelineBubble / estimate.StepBreakdown.Busy, 12);
    }

    [Fact]
    public void Layers_that_do_not_divide_over_the_stages_stretch_compute_to_the_busiest_stage()
    {
        var uneven = Pipelined(PipelineSchedule.OneForwardOneBackward, layers: 25);

        // 25 layers over 8 stages: the busiest has 4, the average 3.125; 16 sequences of 1,024 tokens on 8 A100s.
        var balanced = 16 * 1024 * uneven.FlopsPerToken / (8 * 312e12 * uneven.Mfu);
        Assert.Equal(balanced * 4 * 8 / 25, uneven.StepBreakdown.Compute, 9);
    }

    [Fact]
    public void Expert_parallelism_adds_all_to_all_time_and_splits_the_experts()
    {
        JobSpecBuilder Moe(int expert) => JobSpecBuilder.AJob()
            .Model(m => m with { Moe = new MoeSpec { Experts = 8, ActiveExperts = 2 } })
            .Gpus(8, gpusPerNode: 8)
            .Parallelism(p => p with { Data = 8, Expert = expert })
            .Training(t => t with { GlobalBatchSize = 8 });

        var dense = Jobs.Estimate(Moe(1));
        var split = Jobs.Estimate(Moe(8));

        Assert.Equal(0, dense.StepBreakdown.ExpertAllToAll);
        Assert.True(split.StepBreakdown.ExpertAllToAll > 0);
        Assert.True(split.MemoryPerGpuGiB.Weights < dense.MemoryPerGpuGiB.Weights);
        Assert.True(split.ActiveParameters < split.Parameters);
        Assert.Equal(dense.FlopsPerToken, split.FlopsPerToken);
    }

    [Fact]
    public void Context_parallelism_prices_the_exposed_key_value_ring()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob()
            .Model(m => m with { SeqLength = 131072 })
            .Gpus(16, gpusPerNode: 8)
            .Parallelism(p => p with { Context = 16, Data = 1 })
            .Training(t => t with { GlobalBatchSize = 1 }));

        Assert.True(estimate.StepBreakdown.ContextParallel >= 0);
        Assert.Equal(estimate.StepBreakdown.Sum(), estimate.StepSeconds, 12);
    }

    [Fact]
    public void The_default_mfu_rises_for_small_and_large_models_and_stays_in_bounds()
    {
        var a100 = GpuCatalog.Default.Get("A100-80GB");

        Assert.True(MfuModel.Default(a100, 124e6, 8) > MfuModel.Default(a100, 1e9, 8));
        Assert.True(MfuModel.Default(a100, 400e9, 8) > MfuModel.Default(a100, 1e9, 8));
        Assert.InRange(MfuModel.Default(a100, 1, 100_000), MfuModel.Floor, MfuModel.Ceiling);
        Assert.InRange(MfuModel.Default(a100, 1e14, 1), MfuModel.Floor, MfuModel.Ceiling);
    }

    [Fact]
    public void Extreme_user_numbers_price_without_overflow()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob()
            .Gpus(65536, gpusPerNode: 8)
            .Parallelism(p => p with { Data = 65536 })
            .Training(t => t with { MicroBatchSize = 1500, GlobalBatchSize = 98_304_000, Tokens = 1e15 }));

        Assert.True(double.IsFinite(estimate.GpuHours) && estimate.GpuHours > 0);
        Assert.True(double.IsFinite(estimate.MemoryPerGpuGiB.Total) && estimate.MemoryPerGpuGiB.Total > 0);
    }
}
