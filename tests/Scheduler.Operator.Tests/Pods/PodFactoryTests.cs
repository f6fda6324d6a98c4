using Scheduler.Domain.Jobs;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Pods;

public sealed class PodFactoryTests
{
    private static readonly OperatorJob Job = new()
    {
        Id = JobId.Parse("0194a2b3-0000-7000-8000-00000000000a"),
        Name = "train",
        Queue = "research",
        Namespace = "training",
        PriorityClass = "normal",
        State = JobState.Admitted,
        Spec = AJob("train").Gpus(4).Build(),
        Attempt = 1,
        Placement = [new JobPodPlacement(0, "node-a", [0, 1, 2, 3], 1000, 0, 0)],
        PredictedRuntime = TimeSpan.FromHours(1),
    };

    [Fact]
    public void Whole_gpus_are_requested_as_the_configured_extended_resource()
    {
        var pod = new PodFactory(new WorkloadOptions { GpuResource = "amd.com/gpu" }).Pod(Job, Job.Placement![0]);

        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal("4", resources.Requests["amd.com/gpu"].ToString());
        Assert.Equal("4", resources.Limits["amd.com/gpu"].ToString());
        Assert.False(resources.Requests.ContainsKey(WorkloadLabels.GpuResource));
    }

    [Fact]
    public void Pods_carry_the_configured_tolerations()
    {
        var tolerations = TolerationSetting.Resolve(
            [new TolerationSetting { Key = "dedicated", Operator = TolerationSetting.Equal, Value = "training", Effect = "NoExecute" }]);

        var pod = new PodFactory(new WorkloadOptions { Tolerations = tolerations.Select(t => t.ToPod()).ToList() }).Pod(Job, Job.Placement![0]);

        var toleration = Assert.Single(pod.Spec.Tolerations);
        Assert.Equal(("dedicated", "Equal", "training", "NoExecute"), (toleration.Key, toleration.OperatorProperty, toleration.Value, toleration.Effect));
    }

    [Fact]
    public void The_default_toleration_lets_pods_onto_nodes_tainted_nvidia_gpu_no_schedule_whatever_the_value()
    {
        var toleration = Assert.Single(TolerationSetting.Resolve(null)).ToPod();

        Assert.Equal(("nvidia.com/gpu", "Exists", null, "NoSchedule"), (toleration.Key, toleration.OperatorProperty, toleration.Value, toleration.Effect));
        Assert.Equal(new Core.Snapshots.Toleration("nvidia.com/gpu", null, "NoSchedule"), Assert.Single(TolerationSetting.Resolve([])).ToCore());
    }

    [Theory]
    [InlineData("Exists", "present")]
    [InlineData("Equal", null)]
    [InlineData("Gte", "1")]
    public void A_toleration_kubernetes_would_refuse_is_refused_at_start(string op, string? value)
    {
        var key = value is null ? string.Empty : "nvidia.com/gpu";

        Assert.Throws<InvalidOperationException>(() => TolerationSetting.Resolve([new TolerationSetting { Key = key, Operator = op, Value = value }]));
    }
}
