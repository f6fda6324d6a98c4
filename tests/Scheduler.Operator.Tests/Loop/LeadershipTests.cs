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
