using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;
using Scheduler.Operator.Pods;
using Scheduler.Testing.Builders;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>Against the fake API server in every build, with the nodes and pods driven by the API-only kubelet (the real-cluster code path).</summary>
public sealed class FakeServerPlacementScenarios() : PlacementScenarios(ApiKubeletLoopCluster.OnFakeServerAsync);

/// <summary>Against the cluster of KUBECONFIG with GPU_SCHEDULER_E2E=1 (docs/e2e.md), on fake GPU nodes of its own.</summary>
[Trait("Category", "E2E")]
[Collection(RealClusterCollection)]
public sealed class RealClusterPlacementScenarios() : PlacementScenarios(ApiKubeletLoopCluster.OnRealClusterAsync);

/// <summary>The operator loop placing jobs: REST and TrainingJob submissions, multi-node gangs, preemption.</summary>
public abstract class PlacementScenarios : OperatorLoopScenarios
{
    private protected PlacementScenarios(LoopClusterFactory cluster)
        : base(cluster)
    {
    }

    [Fact]
    public async Task Rest_submitted_job_runs_in_a_pod_bound_to_its_node_then_succeeds()
    {
        await using var harness = await StartAsync("loop-single", a100Nodes: 2, a100Quota: 16);
        await harness.StartOperatorAsync("operator-a");

        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("single"), TimeSpan.FromSeconds(120)));

        var running = await harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal(1, running.Attempt);
        Assert.Equal(harness.Namespace, running.Namespace);
        var node = Assert.Single(running.Nodes!);
        Assert.Contains(node, harness.Nodes.NodeNames);
        var pod = Assert.Single(await harness.PodsOfAsync(job.Id));
        Assert.Equal(WorkloadNames.Pod("single", new JobId(job.Id), 1, 0), pod.Name());
        Assert.Equal(harness.Namespace, pod.Namespace());
        Assert.Equal("gpu-scheduler", pod.Spec.SchedulerName);
        Assert.Equal(node, pod.Spec.NodeName);
        Assert.Equal("1", pod.Spec.Containers[0].Resources.Requests[WorkloadLabels.GpuResource].ToString());
        var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(job.Id.ToString(), env["SCHEDULER_JOB_ID"]);
        Assert.Equal(("1", "0"), (env["WORLD_SIZE"], env["RANK"]));
        Assert.True(pod.Metadata.Annotations.ContainsKey(WorkloadLabels.PredictedRuntimeSeconds));
        Assert.Empty(Pods.RestrictedProfile.Violations(pod));
        Assert.Equal(("gpu-scheduler-job", false), (pod.Spec.ServiceAccountName, pod.Spec.AutomountServiceAccountToken));

        await harness.EndPodsAsync(job.Id);
        await harness.WaitForStateAsync(job.Id, JobState.Succeeded);
        Assert.Equal([JobState.Queued, JobState.Admitted, JobState.Running, JobState.Succeeded], (await harness.EventsAsync(job.Id)).Select(e => e.To));
        Assert.Equal("Succeeded", Assert.Single(await harness.PodsOfAsync(job.Id)).Status.Phase);
    }

    [Fact]
    public async Task Job_is_placed_on_a_gpu_node_tainted_nvidia_gpu_no_schedule_and_its_pod_tolerates_the_taint()
    {
        await using var harness = await StartAsync("loop-gpu-taint", a100Nodes: 1, a100Quota: 8);
        var node = Assert.Single(harness.Nodes.NodeNames);
        await TaintAsync(harness, node, "nvidia.com/gpu", "present");
        await harness.StartOperatorAsync("operator-a");

        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("tainted"), TimeSpan.FromSeconds(120)));

        var running = await harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal(node, Assert.Single(running.Nodes!));
        var pod = Assert.Single(await harness.PodsOfAsync(job.Id));
        Assert.Equal(node, pod.Spec.NodeName);
        var toleration = Assert.Single(pod.Spec.Tolerations, t => t.Key == "nvidia.com/gpu");
        Assert.Equal(("Exists", null, "NoSchedule"), (toleration.OperatorProperty, toleration.Value, toleration.Effect));
    }

    [Fact]
    public async Task Job_waits_off_a_tainted_node_its_configured_tolerations_do_not_cover_with_a_reason_that_says_so()
    {
        await using var harness = await StartAsync("loop-other-taint", a100Nodes: 1, a100Quota: 8);
        await TaintAsync(harness, Assert.Single(harness.Nodes.NodeNames), "dedicated", "infra");
        await harness.StartOperatorAsync("operator-a", new Dictionary<string, string?>
        {
            ["Scheduler:Kubernetes:Tolerations:0:Key"] = "nvidia.com/gpu",
            ["Scheduler:Kubernetes:Tolerations:0:Operator"] = "Exists",
        });

        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("untolerated"), TimeSpan.FromSeconds(120)));

        await harness.WaitAsync(async () => (await harness.GetJobAsync(job.Id)).PendingReason is not null, () => "the job got no pending reason");
        var pending = await harness.GetJobAsync(job.Id);
        Assert.Equal(JobState.Queued, pending.State);
        Assert.Contains("0 in all, 8 free on nodes whose taints it does not tolerate", pending.PendingReason, StringComparison.Ordinal);
        Assert.Empty(await harness.PodsOfAsync(job.Id));
    }

    [Fact]
    public async Task Multi_node_gang_gets_all_its_pods_or_none_with_one_headless_service()
    {
        await using var harness = await StartAsync("loop-gang", a100Nodes: 2, a100Quota: 16);
        await harness.StartOperatorAsync("operator-a");
        var blocker = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("blocker"), TimeSpan.FromSeconds(120)));
        await harness.WaitForStateAsync(blocker.Id, JobState.Running);

        var gang = await harness.SubmitAsync(OperatorHarness.RunningFor(Gang("gang"), TimeSpan.FromSeconds(120)));

        // 15 GPUs free of 16: the gang waits whole, with a reason, and no pod of it exists.
        await harness.WaitAsync(async () => (await harness.GetJobAsync(gang.Id)).PendingReason is not null, () => "the gang got no pending reason");
        Assert.Equal(JobState.Queued, (await harness.GetJobAsync(gang.Id)).State);
        Assert.Empty(await harness.PodsOfAsync(gang.Id));

        await harness.EndPodsAsync(blocker.Id);
        var running = await harness.WaitForStateAsync(gang.Id, JobState.Running);
        var pods = await harness.PodsOfAsync(gang.Id);
        Assert.Equal(2, pods.Count);
        Assert.Equal(2, pods.Select(p => p.Spec.NodeName).Distinct().Count());
        Assert.Equal(running.Nodes!.Order(), pods.Select(p => p.Spec.NodeName).Order());
        var services = await harness.Client.CoreV1.ListNamespacedServiceAsync(harness.Namespace, cancellationToken: Ct);
        var service = Assert.Single(services.Items, s => s.Name() == WorkloadNames.Service("gang", new JobId(gang.Id)));
        Assert.Equal("None", service.Spec.ClusterIP);
        var rank0 = WorkloadNames.Pod("gang", new JobId(gang.Id), 1, 0);
        foreach (var (pod, rank) in pods.Select(p => (p, int.Parse(p.Metadata.Labels[WorkloadLabels.Rank], CultureInfo.InvariantCulture))))
        {
            var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
            Assert.Equal("2", env["WORLD_SIZE"]);
            Assert.Equal(rank.ToString(CultureInfo.InvariantCulture), env["RANK"]);
            Assert.Equal($"{rank0}.{service.Name()}.{harness.Namespace}.svc", env["MASTER_ADDR"]);
            Assert.Equal("8", pod.Spec.Containers[0].Resources.Requests[WorkloadLabels.GpuResource].ToString());
            Assert.Equal(service.Name(), pod.Spec.Subdomain);
        }

        await harness.EndPodsAsync(gang.Id);
        await harness.WaitForStateAsync(gang.Id, JobState.Succeeded);
    }

    [Fact]
    public async Task High_priority_job_preempts_a_low_one_which_checkpoints_requeues_and_is_placed_again()
    {
        await using var harness = await StartAsync("loop-preemption", a100Nodes: 1, a100Quota: 8);
        await harness.StartOperatorAsync("operator-a");
        var low = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("low").Priority("low"), TimeSpan.FromSeconds(120)));
        await harness.WaitForStateAsync(low.Id, JobState.Running);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        watching.CancelAfter(harness.Nodes.Patience);
        var victimStopping = FirstChangeAsync(harness, Assert.Single(await harness.PodsOfAsync(low.Id)), watching.Token);

        var high = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("high").Priority("high"), TimeSpan.FromSeconds(1)));

        // Seen while it terminates: deleted gracefully, with the configured preemption grace (the harness sets 5 s), not at once.
        var (change, victim) = await victimStopping;
        Assert.Equal(WatchEventType.Modified, change);
        Assert.NotNull(victim.Metadata.DeletionTimestamp);
        Assert.Equal(5, victim.Metadata.DeletionGracePeriodSeconds);
        await harness.WaitForStateAsync(high.Id, JobState.Succeeded);
        var again = await harness.WaitForStateAsync(low.Id, JobState.Running);
        Assert.Equal(2, again.Attempt);
        var lowEvents = await harness.EventsAsync(low.Id);
        Assert.Equal(
            [JobState.Queued, JobState.Admitted, JobState.Running, JobState.Preempted, JobState.Queued, JobState.Admitted, JobState.Running],
            lowEvents.Select(e => e.To).Take(7));
        Assert.Contains("requeued after preemption", lowEvents[4].Reason, StringComparison.Ordinal);
        // The victim's GPUs were handed over only after its pods had stopped (graceful deletion, exit 75, deleted by the kubelet).
        var highAdmitted = (await harness.EventsAsync(high.Id)).Single(e => e.To == JobState.Admitted);
        Assert.True(highAdmitted.At >= lowEvents[4].At, "the preemptor was placed before the victim's pods were gone");
        Assert.DoesNotContain(await harness.PodsOfAsync(low.Id), p => p.Metadata.Labels[WorkloadLabels.Attempt] == "1");
    }

    [Fact]
    public async Task Applied_training_job_is_placed_runs_and_reports_success_in_its_status()
    {
        await using var harness = await StartAsync("loop-trainingjob", a100Nodes: 1, a100Quota: 8);
        await harness.StartOperatorAsync("operator-a", syncCustomResources: true);
        var spec = OperatorHarness.RunningFor(AJob("from-cr"), TimeSpan.FromSeconds(1.5));

        await harness.Client.TrainingJobs().CreateAsync(TrainingJob.From(spec, harness.Namespace), Ct);

        TrainingJob? resource = null;
        await harness.WaitAsync(
            async () => (resource = await harness.Client.TrainingJobs().GetAsync("from-cr", harness.Namespace, Ct))?.Status?.Phase == JobState.Succeeded,
            () => $"the TrainingJob's status did not reach Succeeded; it is {resource?.Status?.Phase}");
        var job = await harness.GetJobAsync(Guid.Parse(resource!.Status!.JobId!));
        Assert.Equal((JobState.Succeeded, 1), (job.State, job.Attempt));
        var pod = Assert.Single(await harness.PodsOfAsync(job.Id));
        Assert.Equal(harness.Namespace, pod.Namespace());
        Assert.Contains(pod.Spec.NodeName, harness.Nodes.NodeNames);
        Assert.Equal("Succeeded", pod.Status.Phase);
    }

    [Fact]
    public async Task Gpus_another_schedulers_pod_holds_are_not_handed_out_until_it_is_gone()
    {
        await using var harness = await StartAsync("loop-foreign", a100Nodes: 2, a100Quota: 16);
        var busy = harness.Nodes.NodeNames[0];
        var other = harness.Nodes.NodeNames[1];
        // Created straight through the API server and bound by hand, as another scheduler would: 6 of the node's 8 GPUs.
        await harness.Client.CoreV1.CreateNamespacedPodAsync(ForeignPod("inference", busy, gpus: 6), harness.Namespace, cancellationToken: Ct);
        await harness.StartOperatorAsync("operator-a");

        var first = await harness.SubmitAsync(OperatorHarness.RunningFor(FourGpus("first"), TimeSpan.FromSeconds(120)));
        var second = await harness.SubmitAsync(OperatorHarness.RunningFor(FourGpus("second"), TimeSpan.FromSeconds(120)));

        Assert.Equal(other, Assert.Single((await harness.WaitForStateAsync(first.Id, JobState.Running)).Nodes!));
        Assert.Equal(other, Assert.Single((await harness.WaitForStateAsync(second.Id, JobState.Running)).Nodes!));
        var third = await harness.SubmitAsync(OperatorHarness.RunningFor(FourGpus("third"), TimeSpan.FromSeconds(120)));
        await harness.WaitAsync(async () => (await harness.GetJobAsync(third.Id)).PendingReason is not null, () => "the third job got no pending reason");
        Assert.Equal(JobState.Queued, (await harness.GetJobAsync(third.Id)).State);
        Assert.Empty(await harness.PodsOfAsync(third.Id));
        // Never ours to collect: the orphan finder leaves it alone.
        Assert.Null((await harness.Client.CoreV1.ReadNamespacedPodAsync("inference", harness.Namespace, cancellationToken: Ct)).Metadata.DeletionTimestamp);

        await harness.Client.CoreV1.DeleteNamespacedPodAsync("inference", harness.Namespace, gracePeriodSeconds: 0, cancellationToken: Ct);

        Assert.Equal(busy, Assert.Single((await harness.WaitForStateAsync(third.Id, JobState.Running)).Nodes!));
        Assert.Equal(1, (await harness.GetJobAsync(third.Id)).Attempt);
    }

    private static JobSpecBuilder FourGpus(string name) => AJob(name).Gpus(4).Parallelism(p => p with { Data = 4 });

    /// <summary>A pod of no scheduler of ours (no managed-by label), bound to <paramref name="node"/>, that runs until deleted.</summary>
    private static V1Pod ForeignPod(string name, string node, int gpus) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers =
            [
                new V1Container
                {
                    Name = "server",
                    Image = "registry.k8s.io/pause:3.10",
                    Resources = new V1ResourceRequirements
                    {
                        Limits = new Dictionary<string, ResourceQuantity> { [WorkloadLabels.GpuResource] = new(gpus.ToString(CultureInfo.InvariantCulture)) },
                    },
                },
            ],
        },
    };

    /// <summary>The first change the API server reports to the pod after the version given: its deletion starting, or it gone.</summary>
    private static async Task<(WatchEventType Type, V1Pod Pod)> FirstChangeAsync(OperatorHarness harness, V1Pod pod, CancellationToken cancellationToken)
    {
        var changes = harness.Client.CoreV1.WatchListNamespacedPodAsync(
            pod.Namespace(), labelSelector: $"{WorkloadLabels.JobId}={pod.Metadata.Labels[WorkloadLabels.JobId]}", resourceVersion: pod.ResourceVersion(),
            cancellationToken: cancellationToken);
        await foreach (var (type, seen) in changes)
        {
            if (seen.Name() == pod.Name() && type is WatchEventType.Modified or WatchEventType.Deleted
                && (type == WatchEventType.Deleted || seen.Metadata.DeletionTimestamp is not null))
            {
                return (type, seen);
            }
        }

        throw new InvalidOperationException($"the watch of pod {pod.Name()} ended before it was deleted");
    }

    private static Task TaintAsync(OperatorHarness harness, string node, string key, string value) =>
        harness.Client.CoreV1.PatchNodeAsync(
            new V1Patch(new JsonObject { ["spec"] = new JsonObject { ["taints"] = new JsonArray(new JsonObject { ["key"] = key, ["value"] = value, ["effect"] = "NoSchedule" }) } },
                V1Patch.PatchType.MergePatch),
            node, cancellationToken: Ct);
}
