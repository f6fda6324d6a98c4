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
    public async Task Failing_pods_are_retried_up_to_the_backoff_limit_then_the_job_fails()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("crashy"), TimeSpan.FromSeconds(1)));

        // Every attempt's pod crashes (exit 1) at the end of its runtime.
        await OperatorHarness.WaitUntilAsync(async () =>
        {
            await _harness.FailPodsAsync(job.Id, 1);
            return (await _harness.GetJobAsync(job.Id)).State == JobState.Failed;
        }, TimeSpan.FromSeconds(45), () => "the crashing job did not end Failed");

        var failed = await _harness.GetJobAsync(job.Id);
        Assert.Equal(3, failed.Attempt);
        Assert.Contains("backoff limit of 2", failed.Reason, StringComparison.Ordinal);
        var retries = (await _harness.EventsAsync(job.Id)).Where(e => e.From is JobState.Running or JobState.Admitted && e.To == JobState.Queued).ToList();
        Assert.Equal(2, retries.Count);
        Assert.Contains("exit code 1", retries[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Spec_error_exit_fails_the_job_without_retry()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("bad-data"), TimeSpan.FromSeconds(1.5)));
        await OperatorHarness.WaitUntilAsync(async () => (await _harness.PodsOfAsync(job.Id)).Count == 1);
        await _harness.FailPodsAsync(job.Id, 65);

        var failed = await _harness.WaitForStateAsync(job.Id, JobState.Failed);
        Assert.Equal(1, failed.Attempt);
        Assert.Contains("exit code 65", failed.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain((await _harness.EventsAsync(job.Id)).Skip(1), e => e.To == JobState.Queued);
    }
}
