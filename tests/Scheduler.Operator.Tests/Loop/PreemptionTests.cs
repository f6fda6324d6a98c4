using Scheduler.Domain.Jobs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

public sealed class PreemptionTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("preemption", a100Nodes: 1);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 8 });
        await _harness.StartOperatorAsync("operator-a");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task High_priority_job_preempts_a_low_one_which_checkpoints_requeues_and_is_placed_again()
    {
        var low = await _harness.SubmitAsync(OperatorHarness.RunningFor(
            AJob("low").Priority("low").Gpus(8).Parallelism(p => p with { Data = 8 }), TimeSpan.FromSeconds(4)));
        await _harness.WaitForStateAsync(low.Id, JobState.Running);

        var high = await _harness.SubmitAsync(OperatorHarness.RunningFor(
            AJob("high").Priority("high").Gpus(8).Parallelism(p => p with { Data = 8 }), TimeSpan.FromSeconds(1)));

        await _harness.WaitForStateAsync(high.Id, JobState.Succeeded);
        var again = await _harness.WaitForStateAsync(low.Id, JobState.Running);
        Assert.Equal(2, again.Attempt);

        var lowEvents = await _harness.EventsAsync(low.Id);
        Assert.Equal(
            [JobState.Queued, JobState.Admitted, JobState.Running, JobState.Preempted, JobState.Queued, JobState.Admitted, JobState.Running],
            lowEvents.Select(e => e.To).Take(7));
        Assert.Contains("requeued after preemption", lowEvents[4].Reason, StringComparison.Ordinal);
        // The victim's GPUs were handed over only after its pods had stopped (graceful deletion, exit 75).
        var highAdmitted = (await _harness.EventsAsync(high.Id)).Single(e => e.To == JobState.Admitted);
        Assert.True(highAdmitted.At >= lowEvents[4].At, "the preemptor was placed before the victim's pods were gone");
        Assert.DoesNotContain(await _harness.PodsOfAsync(low.Id), p => p.Metadata.Labels["gpu-scheduler.io/attempt"] == "1" && p.Status?.Phase == "Running");
    }
}
