using System.Globalization;
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
public sealed class FakeServerLoopScenarios() : OperatorLoopScenarios(ApiKubeletLoopCluster.OnFakeServerAsync);

/// <summary>Against the cluster of KUBECONFIG with GPU_SCHEDULER_E2E=1 (docs/e2e.md), on fake GPU nodes of its own.</summary>
[Trait("Category", "E2E")]
public sealed class RealClusterLoopScenarios() : OperatorLoopScenarios(ApiKubeletLoopCluster.OnRealClusterAsync);

/// <summary>
/// The operator loop end to end, written once and run against any <see cref="LoopCluster"/>: jobs go in through the
/// application's commands (as REST sends them) or as TrainingJobs, operators place them on GPU nodes a kwok-like kubelet
/// drives, and the tests watch jobs and pods. The tests of one class run one after the other: on a real cluster an
/// operator deletes the pods of jobs its database does not know, so two runs must not overlap.
/// </summary>
public abstract class OperatorLoopScenarios
{
    private readonly LoopClusterFactory _cluster;

    private protected OperatorLoopScenarios(LoopClusterFactory cluster) => _cluster = cluster;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<OperatorHarness> StartAsync(string purpose, int a100Nodes, int a100Quota, int backoffLimit = 2)
    {
        var harness = await OperatorHarness.StartAsync(purpose, _cluster, a100Nodes, backoffLimit: backoffLimit);
        await harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = a100Quota });
        return harness;
    }

    private static JobSpecBuilder Gang(string name) =>
        AJob(name).Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 });

    private static JobSpecBuilder WholeNode(string name) => AJob(name).Gpus(8).Parallelism(p => p with { Data = 8 });

    [Fact]
    public async Task Rest_submitted_job_runs_in_a_pod_bound_to_its_node_then_succeeds()
    {
        await using var harness = await StartAsync("loop-single", a100Nodes: 2, a100Quota: 16);
        await harness.StartOperatorAsync("operator-a");

        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("single"), TimeSpan.FromSeconds(1.5)));

        var running = await harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal(1, running.Attempt);
        Assert.Equal(harness.Namespace, running.Namespace);
        var node = Assert.Single(running.Nodes!);
        Assert.Contains(node, harness.Nodes.NodeNames);
        var pod = Assert.Single(await harness.PodsOfAsync(job.Id));
        Assert.Equal(WorkloadNames.Pod("single", job.Id, 1, 0), pod.Name());
        Assert.Equal(harness.Namespace, pod.Namespace());
        Assert.Equal("gpu-scheduler", pod.Spec.SchedulerName);
        Assert.Equal(node, pod.Spec.NodeName);
        Assert.Equal("1", pod.Spec.Containers[0].Resources.Requests[WorkloadLabels.GpuResource].ToString());
        var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(job.Id.ToString(), env["SCHEDULER_JOB_ID"]);
        Assert.Equal(("1", "0"), (env["WORLD_SIZE"], env["RANK"]));
        Assert.True(pod.Metadata.Annotations.ContainsKey(WorkloadLabels.PredictedRuntimeSeconds));

        await harness.WaitForStateAsync(job.Id, JobState.Succeeded);
        Assert.Equal([JobState.Queued, JobState.Admitted, JobState.Running, JobState.Succeeded], (await harness.EventsAsync(job.Id)).Select(e => e.To));
        Assert.Equal("Succeeded", Assert.Single(await harness.PodsOfAsync(job.Id)).Status.Phase);
    }

    [Fact]
    public async Task Multi_node_gang_gets_all_its_pods_or_none_with_one_headless_service()
    {
        await using var harness = await StartAsync("loop-gang", a100Nodes: 2, a100Quota: 16);
        await harness.StartOperatorAsync("operator-a");
        var blocker = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("blocker"), TimeSpan.FromSeconds(3)));
        await harness.WaitForStateAsync(blocker.Id, JobState.Running);

        var gang = await harness.SubmitAsync(OperatorHarness.RunningFor(Gang("gang"), TimeSpan.FromSeconds(1.5)));

        // 15 GPUs free of 16: the gang waits whole, with a reason, and no pod of it exists.
        await harness.WaitAsync(async () => (await harness.GetJobAsync(gang.Id)).PendingReason is not null, () => "the gang got no pending reason");
        Assert.Equal(JobState.Queued, (await harness.GetJobAsync(gang.Id)).State);
        Assert.Empty(await harness.PodsOfAsync(gang.Id));

        var running = await harness.WaitForStateAsync(gang.Id, JobState.Running);
        var pods = await harness.PodsOfAsync(gang.Id);
        Assert.Equal(2, pods.Count);
        Assert.Equal(2, pods.Select(p => p.Spec.NodeName).Distinct().Count());
        Assert.Equal(running.Nodes!.Order(), pods.Select(p => p.Spec.NodeName).Order());
        var services = await harness.Client.CoreV1.ListNamespacedServiceAsync(harness.Namespace, cancellationToken: Ct);
        var service = Assert.Single(services.Items, s => s.Name() == WorkloadNames.Service("gang", gang.Id));
        Assert.Equal("None", service.Spec.ClusterIP);
        var rank0 = WorkloadNames.Pod("gang", gang.Id, 1, 0);
        foreach (var (pod, rank) in pods.Select(p => (p, int.Parse(p.Metadata.Labels[WorkloadLabels.Rank], CultureInfo.InvariantCulture))))
        {
            var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
            Assert.Equal("2", env["WORLD_SIZE"]);
            Assert.Equal(rank.ToString(CultureInfo.InvariantCulture), env["RANK"]);
            Assert.Equal($"{rank0}.{service.Name()}.{harness.Namespace}.svc", env["MASTER_ADDR"]);
            Assert.Equal("8", pod.Spec.Containers[0].Resources.Requests[WorkloadLabels.GpuResource].ToString());
            Assert.Equal(service.Name(), pod.Spec.Subdomain);
        }

        await harness.WaitForStateAsync(gang.Id, JobState.Succeeded);
    }

    [Fact]
    public async Task High_priority_job_preempts_a_low_one_which_checkpoints_requeues_and_is_placed_again()
    {
        await using var harness = await StartAsync("loop-preemption", a100Nodes: 1, a100Quota: 8);
        await harness.StartOperatorAsync("operator-a");
        var low = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("low").Priority("low"), TimeSpan.FromSeconds(4)));
        await harness.WaitForStateAsync(low.Id, JobState.Running);

        var high = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("high").Priority("high"), TimeSpan.FromSeconds(1)));

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
    public async Task Failing_pods_are_retried_up_to_the_backoff_limit_then_the_job_fails()
    {
        await using var harness = await StartAsync("loop-failures", a100Nodes: 1, a100Quota: 8, backoffLimit: 2);
        await harness.StartOperatorAsync("operator-a");
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("crashy"), TimeSpan.FromSeconds(1)));

        // Every attempt's pod crashes (exit 1) at the end of its runtime.
        await harness.WaitAsync(async () =>
        {
            await harness.FailPodsAsync(job.Id, 1);
            return (await harness.GetJobAsync(job.Id)).State == JobState.Failed;
        }, () => "the crashing job did not end Failed");

        var failed = await harness.GetJobAsync(job.Id);
        Assert.Equal(3, failed.Attempt);
        Assert.Contains("backoff limit of 2", failed.Reason, StringComparison.Ordinal);
        var retries = (await harness.EventsAsync(job.Id)).Where(e => e.From is JobState.Running or JobState.Admitted && e.To == JobState.Queued).ToList();
        Assert.Equal(2, retries.Count);
        Assert.Contains("exit code 1", retries[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cordoned_node_gets_no_job_and_a_removed_node_requeues_its_job_elsewhere()
    {
        await using var harness = await StartAsync("loop-nodes", a100Nodes: 2, a100Quota: 16);
        await harness.StartOperatorAsync("operator-a");
        var (first, second) = (harness.Nodes.NodeNames[0], harness.Nodes.NodeNames[1]);
        await harness.Nodes.CordonAsync(first);
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("wanderer"), TimeSpan.FromSeconds(60)));

        var running = await harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal([second], running.Nodes);

        await harness.Nodes.RemoveNodeAsync(second);
        var requeued = await harness.WaitForStateAsync(job.Id, JobState.Queued);
        Assert.Contains(second, (await harness.EventsAsync(job.Id)).Last(e => e.To == JobState.Queued).Reason, StringComparison.Ordinal);
        Assert.Equal(1, requeued.Attempt);

        await harness.Nodes.CordonAsync(first, cordoned: false);
        var moved = await harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal([first], moved.Nodes);
        Assert.Equal(2, moved.Attempt);
    }

    [Fact]
    public async Task Only_the_leader_places_and_the_standby_takes_over_when_it_stops()
    {
        await using var harness = await StartAsync("loop-leadership", a100Nodes: 1, a100Quota: 8);
        var a = await harness.StartOperatorAsync("operator-a");
        var b = await harness.StartOperatorAsync("operator-b");
        await harness.WaitAsync(() => Task.FromResult(a.IsLeader || b.IsLeader), () => "nobody became leader");
        var (leader, standby) = a.IsLeader ? (a, b) : (b, a);

        var first = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("first"), TimeSpan.FromSeconds(1)));
        await harness.WaitForStateAsync(first.Id, JobState.Succeeded);
        Assert.False(leader.IsLeader && standby.IsLeader);
        Assert.Equal(0, standby.Cycles);
        Assert.Single(await harness.PodsOfAsync(first.Id));

        await leader.StopAsync();
        await harness.WaitAsync(() => Task.FromResult(standby.IsLeader), () => "the standby did not take over");

        var second = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("second"), TimeSpan.FromSeconds(1)));
        await harness.WaitForStateAsync(second.Id, JobState.Succeeded);
        Assert.Single(await harness.PodsOfAsync(second.Id));
        Assert.True(standby.Cycles > 0);
    }

    [Fact]
    public async Task Restarted_operator_adopts_running_pods_and_creates_none_twice()
    {
        await using var harness = await StartAsync("loop-restart", a100Nodes: 2, a100Quota: 16);
        var a = await harness.StartOperatorAsync("operator-a");
        var gang = await harness.SubmitAsync(OperatorHarness.RunningFor(Gang("gang"), TimeSpan.FromSeconds(5)));
        await harness.WaitForStateAsync(gang.Id, JobState.Running);
        var before = (await harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList();

        await a.StopAsync();
        var b = await harness.StartOperatorAsync("operator-b");
        await harness.WaitAsync(() => Task.FromResult(b.Cycles >= 5), () => "the restarted operator ran no cycles");

        Assert.Equal(before, (await harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList());
        var done = await harness.WaitForStateAsync(gang.Id, JobState.Succeeded);
        Assert.Equal(1, done.Attempt);
        Assert.Equal(before, (await harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList());
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
}
