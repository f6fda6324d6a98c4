using k8s.Models;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;
using Scheduler.Operator.Pods;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// The job controls through the operator loop on the simulated cluster: a held job is never admitted, a requeued job
/// checkpoints and resumes, a time limit ends a job Failed with TimeLimit, notBefore is respected.
/// </summary>
public sealed class JobControlScenarios : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("job-control", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    private static Scheduler.Testing.Builders.JobSpecBuilder WholeNode(string name) => AJob(name).Gpus(8).Parallelism(p => p with { Data = 8 });

    [Fact]
    public async Task A_held_job_is_never_admitted_while_later_jobs_run_and_starts_once_released()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a");
        var held = await _harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("held").Held(), TimeSpan.FromSeconds(120)));
        var later = await _harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("later"), TimeSpan.FromSeconds(120)));

        await _harness.WaitForStateAsync(later.Id, JobState.Running);
        var stillHeld = await _harness.GetJobAsync(held.Id);
        Assert.Equal((JobState.Queued, "Held (by spec.hold)"), (stillHeld.State, stillHeld.PendingReason));
        Assert.Empty(await _harness.PodsOfAsync(held.Id));

        await _harness.ControlAsync(new ReleaseJob(held.Id, "alice"));

        var running = await _harness.WaitForStateAsync(held.Id, JobState.Running);
        Assert.Equal(1, running.Attempt);
        Assert.Contains(await _harness.EventsAsync(held.Id), e => e.Reason == "Released by user alice");
    }

    [Fact]
    public async Task A_requeued_job_stops_gracefully_and_runs_again_as_its_next_attempt()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a");
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("requeued"), TimeSpan.FromSeconds(120)));
        await _harness.WaitForStateAsync(job.Id, JobState.Running);

        await _harness.ControlAsync(new RequeueJob(job.Id, "bob"));

        JobDetails? again = null;
        await _harness.WaitAsync(async () => (again = await _harness.GetJobAsync(job.Id)) is { State: JobState.Running, Attempt: 2 },
            () => $"the job did not run its second attempt; it is {again?.State}, attempt {again?.Attempt}");
        var events = await _harness.EventsAsync(job.Id);
        Assert.Equal(
            [JobState.Queued, JobState.Admitted, JobState.Running, JobState.Preempted, JobState.Queued, JobState.Admitted, JobState.Running],
            events.Select(e => e.To).Take(7));
        Assert.Equal("Requeued by user bob", events[3].Reason);
        // Without checkpoint.volume its checkpoints went with its pods, and the reason says so (docs/operator-faults.md).
        Assert.StartsWith("requeued (Requeued by user bob); restarts from step 0", events[4].Reason, StringComparison.Ordinal);
        Assert.DoesNotContain(await _harness.PodsOfAsync(job.Id), p => p.Metadata.Labels[WorkloadLabels.Attempt] == "1" && p.Status?.Phase is "Pending" or "Running");
    }

    [Fact]
    public async Task A_job_past_its_time_limit_ends_failed_with_reason_time_limit()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a");
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("limited").MaxRuntime("PT2S"), TimeSpan.FromSeconds(120)));

        var failed = await _harness.WaitForStateAsync(job.Id, JobState.Failed);

        Assert.StartsWith("TimeLimit", failed.Reason, StringComparison.Ordinal);
        Assert.Contains(JobState.Running, (await _harness.EventsAsync(job.Id)).Select(e => e.To));
    }

    [Fact]
    public async Task A_job_is_not_admitted_before_its_not_before_time()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a");
        var begin = DateTimeOffset.UtcNow.AddSeconds(4);
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("begins-later").NotBefore(begin), TimeSpan.FromSeconds(120)));

        await _harness.WaitForStateAsync(job.Id, JobState.Running);

        var admitted = (await _harness.EventsAsync(job.Id)).First(e => e.To == JobState.Admitted);
        Assert.True(admitted.At >= begin.AddMilliseconds(-1), $"admitted at {admitted.At:O}, before its notBefore {begin:O}");
    }

    [Fact]
    public async Task A_training_job_applied_with_spec_hold_waits_held_and_runs_once_spec_hold_is_removed()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a", syncCustomResources: true);
        var spec = OperatorHarness.RunningFor(WholeNode("cr-held").Held(), TimeSpan.FromSeconds(120));
        await _harness.Client.TrainingJobs().CreateAsync(TrainingJob.From(spec, _harness.Namespace), TestContext.Current.CancellationToken);

        TrainingJob? resource = null;
        await _harness.WaitAsync(
            async () => (resource = await _harness.Client.TrainingJobs().GetAsync("cr-held", _harness.Namespace, TestContext.Current.CancellationToken))?.Status?.JobId is not null,
            () => "the TrainingJob was not submitted");
        var id = Guid.Parse(resource!.Status!.JobId!);
        var held = await _harness.GetJobAsync(id);
        Assert.Equal((JobState.Queued, Job.SpecHold), (held.State, held.HeldBy));

        var patch = new V1Patch("""{ "spec": { "hold": null } }""", V1Patch.PatchType.MergePatch);
        await _harness.Client.TrainingJobs().PatchAsync("cr-held", _harness.Namespace, patch, TestContext.Current.CancellationToken);

        var running = await _harness.WaitForStateAsync(id, JobState.Running);
        Assert.Null(running.HeldBy);
        Assert.Contains(await _harness.EventsAsync(id), e => e.Reason == $"Released by user TrainingJob {_harness.Namespace}/cr-held");
    }
}
