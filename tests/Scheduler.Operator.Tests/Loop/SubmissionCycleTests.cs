using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>A job stored through the operator's own process starts a cycle at once: it does not wait for the timer.</summary>
public sealed class SubmissionCycleTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("submission-cycle", a100Nodes: 1);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 8 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task A_submission_to_the_operators_process_is_placed_without_waiting_for_the_timer()
    {
        // The timer fires once at start, then in an hour; an idle cluster raises no watch event that would start a cycle.
        await using var scheduler = await _harness.StartOperatorAsync("operator-a", new Dictionary<string, string?> { ["Scheduler:Intervals:SchedulingCycle"] = "01:00:00" });
        await _harness.WaitAsync(() => Task.FromResult(scheduler.IsLeader && scheduler.Cycles > 0), () => "the operator ran no first cycle");

        var sender = scheduler.Services.GetRequiredService<ISender>();
        var submitted = await sender.Send(new SubmitJob(OperatorHarness.RunningFor(AJob("woken").Gpus(1, "A100-80GB"), TimeSpan.FromSeconds(600))), Ct);
        Assert.True(submitted.IsSuccess, submitted.Failure?.ToString());

        await _harness.WaitForStateAsync(submitted.Value.Job.Id, JobState.Running);
    }
}
