using k8s;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

public sealed class PlacementTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("placement", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
        await _harness.StartOperatorAsync("operator-a");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Single_gpu_job_runs_in_a_bound_pod_then_succeeds()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("single"), TimeSpan.FromSeconds(1.5)));

        var running = await _harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal(1, running.Attempt);
        Assert.Equal("training", running.Namespace);
        var node = Assert.Single(running.Nodes!);
        var pod = Assert.Single(await _harness.PodsOfAsync(job.Id));
        Assert.Equal(WorkloadNames.Pod("single", job.Id, 1, 0), pod.Name());
        Assert.Equal("training", pod.Namespace());
        Assert.Equal("gpu-scheduler", pod.Spec.SchedulerName);
        Assert.Equal(node, pod.Spec.NodeName);
        Assert.Equal("1", pod.Spec.Containers[0].Resources.Requests[WorkloadLabels.GpuResource].ToString());
        var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal(job.Id.ToString(), env["SCHEDULER_JOB_ID"]);
        Assert.EndsWith($"/api/v1/jobs/{job.Id}/telemetry", env["SCHEDULER_TELEMETRY_URL"], StringComparison.Ordinal);
        Assert.Equal("1", env["WORLD_SIZE"]);
        Assert.Equal("0", env["RANK"]);
        Assert.True(pod.Metadata.Annotations.ContainsKey(WorkloadLabels.PredictedRuntimeSeconds));
        Assert.Contains("\"name\":\"single\"", pod.Metadata.Annotations[WorkloadLabels.Spec], StringComparison.Ordinal);

        await _harness.WaitForStateAsync(job.Id, JobState.Succeeded);
        var states = (await _harness.EventsAsync(job.Id)).Select(e => e.To).ToList();
        Assert.Equal([JobState.Queued, JobState.Admitted, JobState.Running, JobState.Succeeded], states);
    }

    [Fact]
    public async Task Multi_node_gang_gets_all_its_pods_or_none_with_one_headless_service()
    {
        var blocker = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("blocker"), TimeSpan.FromSeconds(3)));
        await _harness.WaitForStateAsync(blocker.Id, JobState.Running);
        var gangSpec = OperatorHarness.RunningFor(AJob("gang").Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 }), TimeSpan.FromSeconds(1.5));
        var gang = await _harness.SubmitAsync(gangSpec);

        // 15 GPUs free of 16: the gang waits whole, with a reason, and no pod of it exists.
        await OperatorHarness.WaitUntilAsync(async () => (await _harness.GetJobAsync(gang.Id)).PendingReason is not null);
        Assert.Equal(JobState.Queued, (await _harness.GetJobAsync(gang.Id)).State);
        Assert.Empty(await _harness.PodsOfAsync(gang.Id));

        var running = await _harness.WaitForStateAsync(gang.Id, JobState.Running);
        var pods = await _harness.PodsOfAsync(gang.Id);
        Assert.Equal(2, pods.Count);
        Assert.Equal(2, pods.Select(p => p.Spec.NodeName).Distinct().Count());
        Assert.Equal(running.Nodes!.Order(), pods.Select(p => p.Spec.NodeName).Order());
        var service = Assert.Single((await _harness.Client.CoreV1.ListNamespacedServiceAsync("training", cancellationToken: TestContext.Current.CancellationToken)).Items, s => s.Name() == WorkloadNames.Service("gang", gang.Id));
        Assert.Equal("None", service.Spec.ClusterIP);
        var rank0 = WorkloadNames.Pod("gang", gang.Id, 1, 0);
        foreach (var (pod, rank) in pods.Select(p => (p, int.Parse(p.Metadata.Labels[WorkloadLabels.Rank], System.Globalization.CultureInfo.InvariantCulture))))
        {
            var env = pod.Spec.Containers[0].Env.ToDictionary(e => e.Name, e => e.Value);
            Assert.Equal("2", env["WORLD_SIZE"]);
            Assert.Equal(rank.ToString(System.Globalization.CultureInfo.InvariantCulture), env["RANK"]);
            Assert.Equal($"{rank0}.{service.Name()}.training.svc", env["MASTER_ADDR"]);
            Assert.Equal("8", pod.Spec.Containers[0].Resources.Requests[WorkloadLabels.GpuResource].ToString());
            Assert.Equal(service.Name(), pod.Spec.Subdomain);
        }

        await _harness.WaitForStateAsync(gang.Id, JobState.Succeeded);
    }

    [Fact]
    public async Task Cancelling_a_running_job_deletes_its_pods_and_service()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("cancelled"), TimeSpan.FromSeconds(30)));
        await _harness.WaitForStateAsync(job.Id, JobState.Running);

        await _harness.CancelAsync(job.Id);

        await OperatorHarness.WaitUntilAsync(async () => (await _harness.PodsOfAsync(job.Id)).All(p => p.Metadata.DeletionTimestamp is not null),
            because: () => "the cancelled job's pod was not deleted");
        await OperatorHarness.WaitUntilAsync(
            async () => (await _harness.Client.CoreV1.ListNamespacedServiceAsync("training")).Items.All(s => s.Name() != WorkloadNames.Service("cancelled", job.Id)),
            because: () => "the cancelled job's service was not deleted");
    }
}
