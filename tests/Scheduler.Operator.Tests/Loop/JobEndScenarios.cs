using k8s;
using k8s.Models;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Simulation.Cluster;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// Why a job ended, on the simulated cluster: the simulated kubelet writes the pod status a real one writes (OOMKilled,
/// Evicted with <c>DisruptionTarget</c>, an image that cannot be pulled, a missing Secret) and the job ends or is requeued
/// with a reason that says so. The backoff limit is 0, so any counted failure would fail the job.
/// </summary>
public sealed class JobEndScenarios : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("job-end", a100Nodes: 2, backoffLimit: 0);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task OOMKilled_job_fails_with_OOMKilled_and_is_not_retried()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a");
        var job = await _harness.SubmitAsync(Spec("oom"));
        await _harness.WaitForStateAsync(job.Id, JobState.Running);

        await FailPodsAsync(job.Id, SimulatedFailures.OomKilled);

        var failed = await _harness.WaitForStateAsync(job.Id, JobState.Failed);
        Assert.Equal(EndReasons.OomKilled, EndReasons.CodeOf(failed.Reason));
        Assert.Equal(1, failed.Attempt);
        Assert.Contains("was killed for exceeding its memory limit", failed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Evicted_job_is_requeued_and_runs_again_without_counting_a_failure()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a");
        var job = await _harness.SubmitAsync(Spec("evicted"));
        await _harness.WaitForStateAsync(job.Id, JobState.Running);

        await FailPodsAsync(job.Id, SimulatedFailures.Evicted);

        JobDetails? again = null;
        await _harness.WaitAsync(async () => (again = await _harness.GetJobAsync(job.Id)) is { State: JobState.Running, Attempt: 2 },
            () => $"the evicted job did not run again; it is {again?.State} at attempt {again?.Attempt} ({again?.Reason})");
        var requeued = Assert.Single(await _harness.EventsAsync(job.Id), e => e.To == JobState.Queued && e.From is not null);
        Assert.Equal(EndReasons.Evicted, EndReasons.CodeOf(requeued.Reason));
        Assert.Contains("DisruptionTarget", requeued.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unpullable_image_fails_the_job_with_ImagePullBackOff_after_the_wait()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a", Wait("00:00:01"));
        var job = await _harness.SubmitAsync(Spec("no-image", new ContainerSpec { Image = "registry.invalid/team/trainer:missing" }));

        var failed = await _harness.WaitForStateAsync(job.Id, JobState.Failed);

        Assert.Equal(EndReasons.ImagePullBackOff, EndReasons.CodeOf(failed.Reason));
        Assert.Contains("registry.invalid/team/trainer:missing", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(await _harness.EventsAsync(job.Id), e => e.To == JobState.Running);
    }

    [Fact]
    public async Task Missing_secret_fails_the_job_with_CreateContainerConfigError_after_the_wait()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a", Wait("00:00:01"));
        var job = await _harness.SubmitAsync(Spec("no-secret", new ContainerSpec
        {
            Env = new Dictionary<string, string> { [SimulatedPodAnnotations.FailureEnv] = SimulatedFailures.CreateContainerConfigError },
        }));

        var failed = await _harness.WaitForStateAsync(job.Id, JobState.Failed);

        Assert.Equal(EndReasons.CreateContainerConfigError, EndReasons.CodeOf(failed.Reason));
    }

    [Fact]
    public async Task Job_on_a_removed_node_is_requeued_as_NodeLost()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a");
        var job = await _harness.SubmitAsync(Spec("node-lost"));
        var running = await _harness.WaitForStateAsync(job.Id, JobState.Running);

        _harness.Cluster.RemoveNode(running.Nodes![0]);

        JobDetails? again = null;
        await _harness.WaitAsync(async () => (again = await _harness.GetJobAsync(job.Id)) is { State: JobState.Running, Attempt: 2 },
            () => $"the job did not run again; it is {again?.State} at attempt {again?.Attempt} ({again?.Reason})");
        var requeued = Assert.Single(await _harness.EventsAsync(job.Id), e => e.To == JobState.Queued && e.From is not null);
        Assert.Equal(EndReasons.NodeLost, EndReasons.CodeOf(requeued.Reason));
    }

    private static JobSpec Spec(string name, ContainerSpec? container = null)
    {
        var spec = OperatorHarness.RunningFor(AJob(name).Gpus(8, "A100-80GB", 8).Parallelism(p => p with { Data = 8 }).Training(t => t with { GlobalBatchSize = 8 }),
            TimeSpan.FromSeconds(600));
        return container is null ? spec : spec with { Container = container };
    }

    private static Dictionary<string, string?> Wait(string wait) => new() { ["Scheduler:Intervals:ContainerStartTimeout"] = wait };

    /// <summary>Makes every pod of the job go wrong now, as the simulated kubelet's failure hook describes.</summary>
    private async Task FailPodsAsync(Guid jobId, string failure)
    {
        foreach (var pod in await _harness.PodsOfAsync(jobId))
        {
            var body = new V1Pod
            {
                Metadata = new V1ObjectMeta
                {
                    Annotations = new Dictionary<string, string> { [SimulatedPodAnnotations.Failure] = failure, [SimulatedPodAnnotations.Runtime] = "0" },
                },
            };
            await _harness.Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(body, V1Patch.PatchType.MergePatch), pod.Name(), pod.Namespace());
        }
    }
}
