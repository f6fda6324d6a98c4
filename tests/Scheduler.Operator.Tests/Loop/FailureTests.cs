using Scheduler.Domain.Jobs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

public sealed class FailureTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("failures", a100Nodes: 1, backoffLimit: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 8 });
        await _harness.StartOperatorAsync("operator-a");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Spec_error_exit_fails_the_job_without_retry()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("bad-data"), TimeSpan.FromSeconds(120)));
        await OperatorHarness.WaitUntilAsync(async () => (await _harness.PodsOfAsync(job.Id)).Count == 1);
        await _harness.EndPodsAsync(job.Id, 65);

        var failed = await _harness.WaitForStateAsync(job.Id, JobState.Failed);
        Assert.Equal(1, failed.Attempt);
        Assert.Contains("exit code 65", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain((await _harness.EventsAsync(job.Id)).Skip(1), e => e.To == JobState.Queued);
    }
}
