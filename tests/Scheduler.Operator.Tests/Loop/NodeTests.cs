using Scheduler.Domain.Jobs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

public sealed class NodeTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("nodes", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
        await _harness.StartOperatorAsync("operator-a");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Cordoned_node_gets_no_job_and_a_removed_node_requeues_its_job_elsewhere()
    {
        var (first, second) = (_harness.Cluster.NodeNames[0], _harness.Cluster.NodeNames[1]);
        _harness.Cluster.Cordon(first);
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("wanderer").Gpus(8).Parallelism(p => p with { Data = 8 }), TimeSpan.FromSeconds(30)));

        var running = await _harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal([second], running.Nodes);

        _harness.Cluster.RemoveNode(second);
        var requeued = await _harness.WaitForStateAsync(job.Id, JobState.Queued);
        Assert.Contains(second, (await _harness.EventsAsync(job.Id)).Last(e => e.To == JobState.Queued).Reason, StringComparison.Ordinal);
        Assert.Equal(1, requeued.Attempt);

        _harness.Cluster.Cordon(first, cordoned: false);
        var moved = await _harness.WaitForStateAsync(job.Id, JobState.Running);
        Assert.Equal([first], moved.Nodes);
        Assert.Equal(2, moved.Attempt);
    }
}
