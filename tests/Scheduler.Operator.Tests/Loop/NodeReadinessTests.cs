using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// A node that stops being ready: its jobs are left alone within the grace, then preempted whole and requeued elsewhere
/// (never counted as a failure: the backoff limit here is 0), and that survives an operator restart in the middle.
/// </summary>
public sealed class NodeReadinessTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("node-readiness", a100Nodes: 3, backoffLimit: 0);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 24 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Gang_on_a_node_not_ready_past_the_grace_is_preempted_whole_and_resumes_on_ready_nodes()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a", Grace("00:00:02"));
        var gang = await SubmitGangAsync("stranded");
        var running = await _harness.WaitForStateAsync(gang.Id, JobState.Running);
        var lost = running.Nodes![0];

        _harness.Cluster.SetReady(lost, false);

        var resumed = await WaitForAttemptAsync(gang.Id, 2);
        Assert.DoesNotContain(lost, resumed.Nodes!);
        var events = await _harness.EventsAsync(gang.Id);
        var preempted = Assert.Single(events, e => e.To == JobState.Preempted);
        Assert.Contains($"node {lost} not ready", preempted.Reason, StringComparison.Ordinal);
        Assert.Contains(lost, events.Single(e => e.From == JobState.Preempted && e.To == JobState.Queued).Reason, StringComparison.Ordinal);
        var pods = await _harness.PodsOfAsync(gang.Id);
        Assert.DoesNotContain(pods, p => p.Metadata.Labels[WorkloadLabels.Attempt] == "1" && p.Status?.Phase is "Pending" or "Running");
        Assert.DoesNotContain(pods, p => p.Spec.NodeName == lost && p.Metadata.Labels[WorkloadLabels.Attempt] == "2");
    }

    [Fact]
    public async Task Node_ready_again_within_the_grace_leaves_the_job_running()
    {
        await using var scheduler = await _harness.StartOperatorAsync("operator-a", Grace("00:10:00"));
        var gang = await SubmitGangAsync("patient");
        var running = await _harness.WaitForStateAsync(gang.Id, JobState.Running);

        _harness.Cluster.SetReady(running.Nodes![0], false);
        var cycles = scheduler.Cycles;
        await OperatorHarness.WaitUntilAsync(() => Task.FromResult(scheduler.Cycles >= cycles + 5), because: () => "the operator ran no cycles");
        _harness.Cluster.SetReady(running.Nodes[0], true);
        cycles = scheduler.Cycles;
        await OperatorHarness.WaitUntilAsync(() => Task.FromResult(scheduler.Cycles >= cycles + 5), because: () => "the operator ran no cycles");

        var job = await _harness.GetJobAsync(gang.Id);
        Assert.Equal((JobState.Running, 1), (job.State, job.Attempt));
        Assert.DoesNotContain(await _harness.EventsAsync(gang.Id), e => e.To == JobState.Preempted);
    }

    [Fact]
    public async Task Restart_during_the_grace_requeues_the_job_once()
    {
        var first = await _harness.StartOperatorAsync("operator-a", Grace("00:00:03"));
        var gang = await SubmitGangAsync("restarted");
        var running = await _harness.WaitForStateAsync(gang.Id, JobState.Running);

        _harness.Cluster.SetReady(running.Nodes![0], false);
        await first.DisposeAsync();
        await using var second = await _harness.StartOperatorAsync("operator-b", Grace("00:00:03"));

        await WaitForAttemptAsync(gang.Id, 2);
        var events = await _harness.EventsAsync(gang.Id);
        Assert.Single(events, e => e.To == JobState.Preempted);
        Assert.Single(events, e => e.From == JobState.Preempted && e.To == JobState.Queued);
    }

    private static Dictionary<string, string?> Grace(string grace) => new() { ["Scheduler:Intervals:NodeNotReadyGrace"] = grace };

    private Task<Application.Jobs.JobDetails> SubmitGangAsync(string name) => _harness.SubmitAsync(OperatorHarness.RunningFor(
        AJob(name).Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 }), TimeSpan.FromSeconds(600)));

    private async Task<Application.Jobs.JobDetails> WaitForAttemptAsync(Guid id, int attempt)
    {
        Application.Jobs.JobDetails? job = null;
        await OperatorHarness.WaitUntilAsync(async () => (job = await _harness.GetJobAsync(id)) is { State: JobState.Running } && job.Attempt == attempt,
            because: () => $"job {id} is not running attempt {attempt}; it is {job?.State} at attempt {job?.Attempt} ({job?.Reason})");
        return job!;
    }
}
