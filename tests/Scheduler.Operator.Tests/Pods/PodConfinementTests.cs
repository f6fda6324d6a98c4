using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Pods;

/// <summary>Every pod the factory builds runs under the restricted Pod Security Standard, as the configured non-root user, whatever the spec.</summary>
public sealed class PodConfinementTests
{
    private static readonly JobId Id = JobId.Parse("0194a2b3-0000-7000-8000-00000000000b");

    private static OperatorJob Workload(JobSpec spec, string queue = "research", int ranks = 1, int milli = 1000) => new()
    {
        Id = Id,
        Name = spec.Name!,
        Queue = queue,
        Namespace = "training",
        PriorityClass = "normal",
        State = JobState.Admitted,
        Spec = spec,
        Attempt = 1,
        Placement = [.. Enumerable.Range(0, ranks).Select(r => new JobPodPlacement(r, $"node-{r}", milli >= 1000 ? [0, 1] : [0], milli, 0, 0))],
        PredictedRuntime = TimeSpan.FromHours(1),
    };

    private static IEnumerable<V1Pod> Build(PodFactory factory, OperatorJob job) => job.Placement!.Select(placement => factory.Pod(job, placement));

    /// <summary>The kinds of pod the factory can build: the bundled trainer, a user image with all its container options, gangs, fractions, checkpoints on a claim.</summary>
    public static TheoryData<string, JobSpec, int, int> Pods => new()
    {
        { "bundled trainer", AJob("plain").Build(), 1, 1000 },
        { "fractional GPU", AJob("fraction").GpuFraction(250).Build(), 1, 250 },
        { "multi-node gang", AJob("gang").Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 }).Build(), 2, 1000 },
        {
            "user image with command, env, resources and volumes",
            AJob("custom").With(s => s with
            {
                Container = new ContainerSpec
                {
                    Image = "busybox:1.36", Command = ["sh", "-c"], Args = ["sleep 1"], Env = new Dictionary<string, string> { ["NCCL_DEBUG"] = "INFO" },
                    Cpu = "8", Memory = "64Gi", ShmSize = "16Gi",
                    Volumes = [new VolumeSpec { Name = "data", ClaimName = "datasets", MountPath = "/data", ReadOnly = true }],
                },
                Checkpoint = new CheckpointSpec { Volume = "checkpoints-research" },
            }).Build(),
            1, 1000
        },
    };

    [Theory]
    [MemberData(nameof(Pods))]
    public void Every_pod_passes_the_restricted_pod_security_standard(string kind, JobSpec spec, int ranks, int milli)
    {
        var job = Workload(spec, ranks: ranks, milli: milli);

        foreach (var pod in Build(new PodFactory(new WorkloadOptions()), job))
        {
            Assert.True(RestrictedProfile.Violations(pod) is [], $"{kind}: {string.Join(", ", RestrictedProfile.Violations(pod))}");
            Assert.False(pod.Spec.AutomountServiceAccountToken);
            Assert.Equal((10001L, 10001L), (pod.Spec.SecurityContext.RunAsUser!.Value, pod.Spec.SecurityContext.RunAsGroup!.Value));
        }
    }

    [Fact]
    public void The_user_group_and_service_account_are_configurable_per_queue()
    {
        var security = new JobPodPolicy
        {
            RunAsUser = 2000, RunAsGroup = 3000, FsGroup = 4000, ServiceAccount = "jobs",
            QueueServiceAccounts = new Dictionary<string, string> { ["vision"] = "vision-jobs" },
        };
        var factory = new PodFactory(new WorkloadOptions { Security = security });

        var research = factory.Pod(Workload(AJob("a").Build(), "research"), Workload(AJob("a").Build()).Placement![0]);
        var vision = factory.Pod(Workload(AJob("b").Build(), "vision"), Workload(AJob("b").Build()).Placement![0]);

        Assert.Equal((2000L, 3000L, 4000L), (research.Spec.SecurityContext.RunAsUser!.Value, research.Spec.SecurityContext.RunAsGroup!.Value, research.Spec.SecurityContext.FsGroup!.Value));
        Assert.Equal(("jobs", "vision-jobs"), (research.Spec.ServiceAccountName, vision.Spec.ServiceAccountName));
        Assert.Empty(RestrictedProfile.Violations(vision));
    }

    [Fact]
    public void A_root_user_is_refused_at_start()
    {
        Assert.Throws<InvalidOperationException>(() => new JobPodPolicy { RunAsUser = 0 }.Validated());
    }

    [Fact]
    public void The_checker_catches_what_the_restricted_profile_forbids()
    {
        var pod = Build(new PodFactory(new WorkloadOptions()), Workload(AJob("c").Build())).First();
        pod.Spec.HostNetwork = true;
        pod.Spec.Containers[0].SecurityContext.AllowPrivilegeEscalation = true;
        pod.Spec.Containers[0].SecurityContext.Capabilities = new V1Capabilities { Add = ["SYS_ADMIN"] };
        pod.Spec.SecurityContext.RunAsUser = 0;
        pod.Spec.Volumes.Add(new V1Volume { Name = "host", HostPath = new V1HostPathVolumeSource { Path = "/" } });

        var violations = RestrictedProfile.Violations(pod);

        Assert.Equal(
            ["Host Namespaces", "Capabilities (baseline)", "HostPath Volumes", "Volume Types", "Privilege Escalation", "Running as Non-root user", "Capabilities (restricted)"],
            violations);
    }

    [Fact]
    public void A_spec_cannot_ask_for_a_security_context()
    {
        var (_, error) = JobSpecJson.Parse("""{"name":"x","container":{"securityContext":{"privileged":true}}}""");

        Assert.Equal("container.securityContext", error?.Field);
    }
}
