using Scheduler.Admission.Calibration;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Timing;

public sealed class StepTimeTests
{
    [Fact]
    public void One_gpu_step_is_the_step_flops_over_peak_times_mfu()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob());

        // 8 sequences of 1,024 tokens per step on an A100 (312 TFLOP/s) at the default MFU for a 124M model on one GPU.
        var mfu = MfuModel.Default(GpuCatalog.Default.Get("A100-80GB"), estimate.ActiveParameters, 1);
        var expected = 8 * 1024 * estimate.FlopsPerToken / (312e12 * mfu);
        Assert.Equal(expected, estimate.StepBreakdown.Compute, 12);
        Assert.Equal(estimate.StepBreakdown.Compute + estimate.StepBreakdown.Elementwise, estimate.StepSeconds, 12);
        Assert.Equal(mfu, estimate.Mfu);
        Assert.Equal("default", estimate.MfuSource);
    }

    [Fact]
    public void Steps_round_up_and_hours_follow_the_tokens()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { Tokens = 1e6 }));

        Assert.Equal(123, estimate.Steps); // 1e6 / 8,192 = 122.07
        Assert.Equal(1e6 / 8192 * estimate.StepSeconds / 3600, estimate.WallHours, 12);
        Assert.Equal(estimate.WallHours, estimate.GpuHours, 12);
    }

    [Fact]
    public void Steps_given_set_the_tokens()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { Tokens = null, Steps = 1000 }));

        Assert.Equal(1000 * 8 * 1024, estimate.Tokens);
        Assert.Equal(1000, estimate.Steps);
    }

    [Fact]
    public void Gpu_hours_are_wall_hours_times_gpus()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Gpus(8));

        Assert.Equal(estimate.WallHours * 8, estimate.GpuHours, 12);
    }

    [Fact]
    public void A_fractional_gpu_runs_proportionally_longer_for_the_same_gpu_hours()
    {
        var whole = Jobs.Estimate(JobSpecBuilder.AJob());
        var half = Jobs.Estimate(JobSpecBuilder.AJob().GpuFraction(500));

        Assert.Equal(2 * whole.WallHours, half.WallHours, 12);
        Assert.Equal(whole.GpuHours, half.GpuHours, 12);
    }

    [Fact]
    public void Fp32_training_is_priced_against_the_fp32_peak()
    {
        var bf16 = Jobs.Estimate(JobSpecBuilder.AJob());
        var fp32 = Jobs.Estimate(JobSpecBuilder.AJob().Training(t => t with { Precision = Precision.Fp32 }));

        Assert.Equal(312 / 19.5, fp32.StepBreakdown.Compute / bf16.StepBreakdown.Compute, 9);
    }

    [Fact]
    public void Gradient_all_reduce_hides_behind_the_backward_pass_unless_the_network_is_slow()
    {
        var job = JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(16, gpusPerNode: 8)
            .Training(t => t with { GlobalBatchSize = 64 }).Parallelism(p => p with { ZeroStage = 1 });
        var slow = GpuCatalog.Default.With([GpuCatalog.Default.Get("A100-80GB") with { InterNodeBandwidthGBps = 0.1 }]);

        var fast = Jobs.Estimate(job);
        var throttled = Jobs.Estimate(job, slow);

        Assert.Equal(0, fast.StepBreakdown.DataParallelExposed);
        // Ring all-reduce 2·(d−1)/d of 13.5 GB of bf16 gradients over 8 ranks × 0.1 GB/s, less the backward pass.
        var seconds = 2.0 * 15 / 16 * 6_738_415_616 * 2 / (0.8 * 1e9);
        Assert.Equal(seconds - (throttled.StepBreakdown.Busy * 2 / 3), throttled.StepBreakdown.DataParallelExposed, 6);
    }

    [Fact]
    public void Zero_3_moves_one_and_a_half_times_the_all_reduce()
    {
        var slow = GpuCatalog.Default.With([GpuCatalog.Default.Get("A100-80GB") with { InterNodeBandwidthGBps = 0.01 }]);
        var job = JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(16, gpusPerNode: 8).Training(t => t with { GlobalBatchSize = 64 });

        var stage1 = Jobs.Estimate(job.Parallelism(p => p with { ZeroStage = 1 }), slow).StepBreakdown;
        var stage3 = Jobs.Estimate(job.Parallelism(p => p with { ZeroStage = 3 }), slow).StepBreakdown;

        var allReduce = stage1.DataParallelExposed + (stage1.Busy * 2 / 3);
        Assert.Equal(1.5 * allReduce, stage3.DataParallelExposed + stage3.Busy, 6);
    }

    [Fact]
    public void Tensor_parallel_all_reduces_and_the_pipeline_bubble_add_to_the_step()
    {
        var job = JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8).Training(t => t with { GlobalBatchSize = 8 })
            .Parallelism(p => p with { Tensor = 4, Pipeline = 2, Data = 1 });

        var estimate = Jobs.Estimate(job);

        // 4 all-reduces of s·b·h bf16 values per layer and micro-batch, 16 layers per stage, 8 micro-batches.
        var tensor = 4 * 2.0 * 3 / 4 * (2048 * 4096 * 2) / 300e9 * 16 * 8;
        Assert.Equal(tensor, estimate.StepBreakdown.TensorParallel, 12);
        Assert.Equal(estimate.StepBreakdown.Busy * 1 / 8, estimate.StepBreakdown.PipelineBubble, 12);
        Assert.Equal(estimate.StepBreakdown.Busy + tensor + estimate.StepBreakdown.PipelineBubble, estimate.StepSeconds, 12);
    }
}
