using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

public sealed class LeadershipTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("leadership", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Only_the_leader_places_and_the_standby_takes_over_when_it_stops()
    {
        var a = await _harness.StartOperatorAsync("operator-a");
        var b = await _harness.StartOperatorAsync("operator-b");
        await OperatorHarness.WaitUntilAsync(() => Task.FromResult(a.IsLeader || b.IsLeader), because: () => "nobody became leader");
        var (leader, standby) = a.IsLeader ? (a, b) : (b, a);

        var first = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("first"), TimeSpan.FromSeconds(1)));
        await _harness.WaitForStateAsync(first.Id, JobState.Succeeded);
        Assert.False(leader.IsLeader && standby.IsLeader);
        Assert.Equal(0, standby.Cycles);
        Assert.Single(await _harness.PodsOfAsync(first.Id));

        await leader.StopAsync();
        await OperatorHarness.WaitUntilAsync(() => Task.FromResult(standby.IsLeader), because: () => "the standby did not take over");

        var second = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("second"), TimeSpan.FromSeconds(1)));
        await _harness.WaitForStateAsync(second.Id, JobState.Succeeded);
        Assert.Single(await _harness.PodsOfAsync(second.Id));
        Assert.True(standby.Cycles > 0);
    }

    [Fact]
    public async Task Restarted_operator_adopts_running_pods_and_creates_none_twice()
    {
        var a = await _harness.StartOperatorAsync("operator-a");
        var gang = await _harness.SubmitAsync(OperatorHarness.RunningFor(
            AJob("gang").Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 }), TimeSpan.FromSeconds(5)));
        await _harness.WaitForStateAsync(gang.Id, JobState.Running);
        var before = (await _harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList();

        await a.StopAsync();
        var b = await _harness.StartOperatorAsync("operator-b");
        await OperatorHarness.WaitUntilAsync(() => Task.FromResult(b.Cycles >= 5), because: () => "the restarted operator ran no cycles");

        Assert.Equal(before, (await _harness.PodsOfAsync(gang.Id)).Select(p => p.Metadata.Uid).Order().ToList());
        var done = await _harness.WaitForStateAsync(gang.Id, JobState.Succeeded);
        Assert.Equal(1, done.Attempt);
    }

    [Fact]
    public async Task Job_admitted_before_a_crash_gets_its_missing_pods_once()
    {
        // The crash came after the placement was stored and before any pod was created.
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("half-done"), TimeSpan.FromSeconds(1)));
        var node = _harness.Cluster.NodeNames[0];
        var admitted = await _harness.AdmitAsync(new AdmitJob(job.Id, job.Version, [new JobPodPlacement(0, node, [0], 1000, 0, 0)], "training", "placed before the crash"));
        Assert.Equal(JobState.Admitted, admitted.State);

        await _harness.StartOperatorAsync("operator-a");

        var done = await _harness.WaitForStateAsync(job.Id, JobState.Succeeded);
        Assert.Equal(1, done.Attempt);
        var pod = Assert.Single(await _harness.PodsOfAsync(job.Id));
        Assert.Equal(node, pod.Spec.NodeName);
    }
}
