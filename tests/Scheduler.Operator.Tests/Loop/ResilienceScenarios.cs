using Scheduler.Domain.Jobs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>Against the fake API server in every build, with the nodes and pods driven by the API-only kubelet (the real-cluster code path).</summary>
public sealed class FakeServerResilienceScenarios() : ResilienceScenarios(ApiKubeletLoopCluster.OnFakeServerAsync);

/// <summary>Against the cluster of KUBECONFIG with GPU_SCHEDULER_E2E=1 (docs/e2e.md), on fake GPU nodes of its own.</summary>
[Trait("Category", "E2E")]
[Collection(RealClusterCollection)]
public sealed class RealClusterResilienceScenarios() : ResilienceScenarios(ApiKubeletLoopCluster.OnRealClusterAsync);

/// <summary>The operator loop when things go wrong: failing pods, cordoned and removed nodes, leader failover, operator restart.</summary>
public abstract class ResilienceScenarios : OperatorLoopScenarios
{
    private protected ResilienceScenarios(LoopClusterFactory cluster)
        : base(cluster)
    {
    }

    [Fact]
    public async Task Failing_pods_are_retried_up_to_the_backoff_limit_then_the_job_fails()
    {
        await using var harness = await StartAsync("loop-failures", a100Nodes: 1, a100Quota: 8, backoffLimit: 2);
        await harness.StartOperatorAsync("operator-a");
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(AJob("crashy"), TimeSpan.FromSeconds(60)));

        // Every attempt's pod crashes (exit 1) as soon as the test sees it.
        await harness.WaitAsync(async () =>
        {
            await harness.EndPodsAsync(job.Id, 1);
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
        var job = await harness.SubmitAsync(OperatorHarness.RunningFor(WholeNode("wanderer"), TimeSpan.FromSeconds(600)));

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
        var gang = await harness.SubmitAsync(OperatorHarness.RunningFor(Gang("gang"), TimeSpan.FromSeconds(120)));
        await harness.WaitForStateAsync(gang.Id, JobState.Running);
        var before = (await harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList();

        await a.StopAsync();
        var b = await harness.StartOperatorAsync("operator-b");
        await harness.WaitAsync(() => Task.FromResult(b.Cycles >= 5), () => "the restarted operator ran no cycles");

        Assert.Equal(before, (await harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList());
        await harness.EndPodsAsync(gang.Id);
        var done = await harness.WaitForStateAsync(gang.Id, JobState.Succeeded);
        Assert.Equal(1, done.Attempt);
        Assert.Equal(before, (await harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList());
    }
}
