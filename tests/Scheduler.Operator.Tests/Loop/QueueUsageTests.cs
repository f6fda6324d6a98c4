using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

public sealed class QueueUsageTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("usage", a100Nodes: 1);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 8 });
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 8 }, "idle");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Running_jobs_charge_their_queue_and_idle_queues_have_no_usage()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("charged").Gpus(4).Parallelism(p => p with { Data = 4 }), TimeSpan.FromSeconds(30)));
        await _harness.AdmitAsync(new AdmitJob(job.Id, job.Version, [new JobPodPlacement(0, "node", [0, 1, 2, 3], 1000, 0, 0)], "training", "placed"));
        await _harness.TransitionAsync(job.Id, JobState.Running);
        await Task.Delay(200, TestContext.Current.CancellationToken);

        var usage = await _harness.QueueUsageAsync(TimeSpan.FromDays(7));

        var research = Assert.Single(usage, q => q.Name == OperatorHarness.Queue);
        Assert.InRange(research.DecayedGpuHours, 4 * 0.1 / 3600, 4 * 30.0 / 3600);
        Assert.Equal(0, Assert.Single(usage, q => q.Name == "idle").DecayedGpuHours);
    }
}
