using Scheduler.Core.Tests.Builders;

namespace Scheduler.Core.Tests.Snapshots;

public sealed class PendingJobTests
{
    [Theory]
    [InlineData(2, 4, null, 1000, 4, 8_000)]
    [InlineData(1, 1, 300, 300, 1, 300)]
    [InlineData(1, 1, 1000, 1000, 1, 1_000)]
    [InlineData(3, 0, null, 1000, 0, 0)]
    public void A_jobs_gpu_demand_is_pods_times_gpus_times_milli(int pods, int gpus, int? milli, int milliPerGpu, int gpuCount, long total)
    {
        var job = Jobs.Pending("j", "q", gpus: gpus, pods: pods, milli: milli);

        Assert.Equal(milliPerGpu, job.MilliPerGpu);
        Assert.Equal(gpuCount, job.GpuCountPerPod);
        Assert.Equal(total, job.TotalGpuMilli);
    }
}
