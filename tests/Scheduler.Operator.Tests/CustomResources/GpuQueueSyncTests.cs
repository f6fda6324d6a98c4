using k8s.Models;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;
using Scheduler.Testing.Builders;

namespace Scheduler.Operator.Tests.CustomResources;

public sealed class GpuQueueSyncTests(SyncDatabase database) : GpuQueueSyncScenarios(database);

[Trait("Category", "E2E")]
public sealed class GpuQueueSyncE2ETests(SyncDatabase database) : GpuQueueSyncScenarios(database, realCluster: true);

/// <summary>The GpuQueue sync, written once for the fake API server and a real cluster.</summary>
public abstract class GpuQueueSyncScenarios(SyncDatabase database, bool realCluster = false) : SyncTest(database, realCluster)
{
    private GpuQueue AQueue(int a100 = 32) => new()
    {
        Metadata = new V1ObjectMeta { Name = Queue },
        Spec = new QueueSpec
        {
            Cohort = "ml",
            NominalQuota = new Dictionary<string, int> { ["H100-SXM"] = 16, ["A100-80GB"] = a100 },
            BorrowingLimit = new Dictionary<string, int> { ["H100-SXM"] = 8 },
            FairShareWeight = 2,
            Namespaces = [Namespace],
        },
    };

    private Task<GpuQueue?> ReadAsync() => Client.GpuQueues().GetAsync(Queue, null, Ct);

    [Fact]
    public async Task A_gpu_queue_becomes_the_queue_rest_sees_and_follows_spec_changes()
    {
        await StartSyncAsync();
        await Client.GpuQueues().CreateAsync(AQueue(), Ct);

        var stored = await EventuallyAsync(() => QueryAsync(new GetQueue(Queue)), q => q.IsSuccess);
        Assert.Equal(32, stored.Value!.Spec.NominalQuota!["A100-80GB"]);
        Assert.Equal(("ml", 2.0), (stored.Value.Spec.Cohort, stored.Value.Spec.FairShareWeight));

        var resource = await EventuallyAsync(ReadAsync, q => q?.Status?.ObservedGeneration == 1);
        resource!.Spec = resource.Spec with { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } };
        await Client.GpuQueues().ReplaceAsync(resource, Ct);

        var replaced = await EventuallyAsync(() => QueryAsync(new GetQueue(Queue)), q => q.Value!.Spec.NominalQuota!.Count == 1);
        Assert.Equal(8, replaced.Value!.Spec.NominalQuota!["A100-80GB"]);
        await EventuallyAsync(ReadAsync, q => q?.Status?.ObservedGeneration == 2);
    }

    [Fact]
    public async Task Rest_and_custom_resource_jobs_are_counted_in_the_same_queue()
    {
        await StartSyncAsync();
        await Client.GpuQueues().CreateAsync(AQueue(), Ct);
        await EventuallyAsync(() => QueryAsync(new GetQueue(Queue)), q => q.IsSuccess);

        var rest = await SendAsync(new SubmitJob(JobSpecBuilder.AJob("from-rest").InQueue(Queue).Build()));
        await Client.TrainingJobs().CreateAsync(AJob("from-kubectl"), Ct);
        var bothPending = await EventuallyAsync(ReadAsync, q => q?.Status?.PendingJobs == 2);
        await SendAsync(new TransitionJob(rest.Value!.Job.Id, JobState.Admitted, "Placed"));
        var oneRunning = await EventuallyAsync(ReadAsync, q => q?.Status?.RunningJobs == 1);

        Assert.Equal(0, bothPending!.Status!.RunningJobs);
        Assert.Equal(1, oneRunning!.Status!.PendingJobs);
        var listed = await QueryAsync(new ListJobs(Queue));
        Assert.Equal(["from-kubectl", "from-rest"], listed.Items.Select(j => j.Name).Order());
    }

    [Fact]
    public async Task Deleting_a_gpu_queue_keeps_the_queue_and_its_jobs()
    {
        await StartSyncAsync();
        await Client.GpuQueues().CreateAsync(AQueue(), Ct);
        await EventuallyAsync(() => QueryAsync(new GetQueue(Queue)), q => q.IsSuccess);
        var job = await SendAsync(new SubmitJob(JobSpecBuilder.AJob("survivor").InQueue(Queue).Build()));

        await Client.GpuQueues().DeleteAsync(Queue, null, Ct);
        await EventuallyAsync(ReadAsync, q => q is null);
        await Task.Delay(Resync * 5, Ct);

        Assert.True((await QueryAsync(new GetQueue(Queue))).IsSuccess);
        Assert.Equal(JobState.Queued, (await QueryAsync(new GetJob(job.Value!.Job.Id))).Value!.State);
    }
}
