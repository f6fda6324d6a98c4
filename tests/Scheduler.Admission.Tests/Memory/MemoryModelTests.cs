using Scheduler.Admission.Memory;
using Scheduler.Admission.Tests.Support;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests.Memory;

public sealed class MemoryModelTests
{
    [Fact]
    public void Overhead_is_the_cuda_context_plus_an_allocator_share_of_the_rest()
    {
        var m = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B)).MemoryPerGpuGiB;
        var firstPrinciples = m.Weights + m.Gradients + m.Optimizer + m.Activations;

        Assert.Equal(MemoryModel.CudaContextGiB + (MemoryModel.AllocatorFraction * firstPrinciples), m.Overhead, 9);
        Assert.Equal(firstPrinciples + m.Overhead, m.Total, 9);
    }

    [Fact]
    public void Zero_3_adds_the_two_gathered_blocks_as_a_working_buffer()
    {
        var job = JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8).Training(t => t with { GlobalBatchSize = 8 });
        var stage2 = Jobs.Estimate(job.Parallelism(p => p with { ZeroStage = 2 })).MemoryPerGpuGiB;
        var stage3 = Jobs.Estimate(job.Parallelism(p => p with { ZeroStage = 3 })).MemoryPerGpuGiB;

        var gathered = 2 * 202_383_360.0 * 2 / Jobs.GiB;
        var allocatorDifference = MemoryModel.AllocatorFraction * (stage3.Weights - stage2.Weights);
        Assert.Equal(gathered + allocatorDifference, stage3.Overhead - stage2.Overhead, 9);
    }

    [Fact]
    public void A_fractional_gpu_offers_its_share_of_the_memory()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().GpuFraction(250));

        Assert.Equal(20, estimate.GpuMemoryGiB);
        Assert.Equal(0.25, estimate.Gpus);
    }
}
