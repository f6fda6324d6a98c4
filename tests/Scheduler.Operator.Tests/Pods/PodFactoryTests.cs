using Scheduler.Core.Decisions;
using Scheduler.Operator.Pods;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Pods;

public sealed class PodFactoryTests
{
    private static readonly JobWorkload Job = new(
        Guid.Parse("0194a2b3-0000-7000-8000-00000000000a"), "train", "research", "training", 1,
        AJob("train").Gpus(4).Build(), [new PodPlacement(0, "node-a", [0, 1, 2, 3], 1000)], TimeSpan.FromHours(1));

    [Fact]
    public void Whole_gpus_are_requested_as_the_configured_extended_resource()
    {
        var pod = new PodFactory(new WorkloadOptions { GpuResource = "amd.com/gpu" }).Pod(Job, Job.Pods[0]);

        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal("4", resources.Requests["amd.com/gpu"].ToString());
        Assert.Equal("4", resources.Limits["amd.com/gpu"].ToString());
        Assert.False(resources.Requests.ContainsKey(WorkloadLabels.GpuResource));
    }
}
