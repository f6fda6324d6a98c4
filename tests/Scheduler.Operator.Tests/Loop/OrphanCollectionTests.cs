using k8s;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// The leader deletes the pods and Services we created for jobs that are not active any more — at start (what ended while
/// no operator ran) and as it goes — and never an object without our labels nor a pod of a running job's current attempt.
/// </summary>
public sealed class OrphanCollectionTests : IAsyncLifetime
{
    private const string Namespace = "training";

    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("orphans", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Objects_of_unknown_jobs_are_collected_at_start_and_foreign_or_current_ones_are_kept()
    {
        var bootstrap = await _harness.StartOperatorAsync("bootstrap", Settings(retention: "00:00:00"));
        var running = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("keeps-running"), TimeSpan.FromSeconds(600)));
        await _harness.WaitForStateAsync(running.Id, JobState.Running);
        var runningPod = Assert.Single(await _harness.PodsOfAsync(running.Id)).Metadata.Uid;
        await bootstrap.DisposeAsync();

        var unknown = Guid.NewGuid();
        await CreatePodAsync("unknown-pod", unknown, ours: true);
        await CreateServiceAsync("unknown-svc", unknown, ours: true);
        var foreign = Guid.NewGuid();
        await CreatePodAsync("foreign-pod", foreign, ours: false);
        await CreateServiceAsync("foreign-svc", foreign, ours: false);

        await using var scheduler = await _harness.StartOperatorAsync("operator-a", Settings(retention: "00:00:00"));

        await OperatorHarness.WaitUntilAsync(async () => !await PodExistsAsync("unknown-pod") && !await ServiceExistsAsync("unknown-svc"),
            because: () => "the unknown job's pod and Service were not collected");
        var cycles = scheduler.Cycles;
        await OperatorHarness.WaitUntilAsync(() => Task.FromResult(scheduler.Cycles >= cycles + 5), because: () => "the operator ran no cycles");
        Assert.True(await PodExistsAsync("foreign-pod"), "a pod without our managed-by label was deleted");
        Assert.True(await ServiceExistsAsync("foreign-svc"), "a Service without our managed-by label was deleted");
        Assert.Equal(runningPod, Assert.Single(await _harness.PodsOfAsync(running.Id)).Metadata.Uid);
        Assert.Equal((JobState.Running, 1), ((await _harness.GetJobAsync(running.Id)).State, (await _harness.GetJobAsync(running.Id)).Attempt));
    }

    [Fact]
    public async Task Job_cancelled_while_no_operator_ran_loses_its_service_at_start_and_its_finished_pods_after_the_retention()
    {
        var first = await _harness.StartOperatorAsync("operator-a", Settings(retention: "01:00:00"));
        // Two pods, so that it has a Service (a single-pod job has none).
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("ended-meanwhile").Gpus(2, gpusPerNode: 1), TimeSpan.FromSeconds(120)));
        await _harness.WaitForStateAsync(job.Id, JobState.Running);
        await first.DisposeAsync();
        await _harness.EndPodsAsync(job.Id);
        await OperatorHarness.WaitUntilAsync(async () => (await _harness.PodsOfAsync(job.Id)).All(p => p.Status?.Phase == "Succeeded"),
            because: () => "the pod did not finish");
        await _harness.CancelAsync(job.Id);
        var service = WorkloadNames.Service("ended-meanwhile", new JobId(job.Id));
        Assert.True(await ServiceExistsAsync(service));

        await using (var second = await _harness.StartOperatorAsync("operator-b", Settings(retention: "01:00:00")))
        {
            await OperatorHarness.WaitUntilAsync(async () => !await ServiceExistsAsync(service), because: () => "the ended job's Service was not collected");
            Assert.Equal(2, (await _harness.PodsOfAsync(job.Id)).Count);
        }

        await using var third = await _harness.StartOperatorAsync("operator-c", Settings(retention: "00:00:00"));
        await OperatorHarness.WaitUntilAsync(async () => (await _harness.PodsOfAsync(job.Id)).Count == 0,
            because: () => "the ended job's finished pod was not collected after the retention");
    }

    [Fact]
    public async Task Pods_of_a_job_that_succeeded_are_collected_after_the_retention()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a", Settings(retention: "00:00:00"));
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("finished"), TimeSpan.FromSeconds(1)));

        await _harness.WaitForStateAsync(job.Id, JobState.Succeeded);

        await OperatorHarness.WaitUntilAsync(async () => (await _harness.PodsOfAsync(job.Id)).Count == 0,
            because: () => "the succeeded job's pod was not collected");
        Assert.False(await ServiceExistsAsync(WorkloadNames.Service("finished", new JobId(job.Id))));
    }

    /// <summary>The Service sweep's own period is long, so only the sweep at start can have found what a test asserts on.</summary>
    private static Dictionary<string, string?> Settings(string retention) => new()
    {
        ["Scheduler:Intervals:FinishedPodRetention"] = retention,
        ["Scheduler:Intervals:OrphanCollection"] = "01:00:00",
    };

    private static Dictionary<string, string> Labels(Guid jobId, bool ours)
    {
        var labels = new Dictionary<string, string> { [WorkloadLabels.JobId] = jobId.ToString(), [WorkloadLabels.JobName] = "stray", [WorkloadLabels.Attempt] = "1" };
        if (ours)
        {
            labels[WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy;
        }

        return labels;
    }

    private async Task CreatePodAsync(string name, Guid jobId, bool ours) => await _harness.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = Labels(jobId, ours) },
        Spec = new V1PodSpec { NodeName = _harness.Cluster.NodeNames[1], Containers = [new V1Container { Name = "trainer", Image = "trainer" }] },
    }, Namespace);

    private async Task CreateServiceAsync(string name, Guid jobId, bool ours) => await _harness.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Labels = Labels(jobId, ours) },
        Spec = new V1ServiceSpec { ClusterIP = "None", Ports = [new V1ServicePort { Port = 29500 }] },
    }, Namespace);

    private async Task<bool> PodExistsAsync(string name) =>
        (await _harness.Client.CoreV1.ListNamespacedPodAsync(Namespace)).Items.Any(p => p.Name() == name);

    private async Task<bool> ServiceExistsAsync(string name) =>
        (await _harness.Client.CoreV1.ListNamespacedServiceAsync(Namespace)).Items.Any(s => s.Name() == name);
}
