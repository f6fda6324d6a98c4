using k8s;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

public sealed class PlacementTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("placement", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
        await _harness.StartOperatorAsync("operator-a");
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task Cancelling_a_running_job_deletes_its_pods_and_service()
    {
        var job = await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob("cancelled"), TimeSpan.FromSeconds(600)));
        await _harness.WaitForStateAsync(job.Id, JobState.Running);

        await _harness.CancelAsync(job.Id);

        await OperatorHarness.WaitUntilAsync(async () => (await _harness.PodsOfAsync(job.Id)).All(p => p.Metadata.DeletionTimestamp is not null),
            because: () => "the cancelled job's pod was not deleted");
        await OperatorHarness.WaitUntilAsync(
            async () => (await _harness.Client.CoreV1.ListNamespacedServiceAsync("training")).Items.All(s => s.Name() != WorkloadNames.Service("cancelled", new JobId(job.Id))),
            because: () => "the cancelled job's service was not deleted");
    }
}
