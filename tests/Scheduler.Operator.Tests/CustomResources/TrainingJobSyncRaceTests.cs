using k8s;
using k8s.Models;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;

namespace Scheduler.Operator.Tests.CustomResources;

/// <summary>
/// Races between the sync's own writes and a user's edits, made deterministic by stepping in between a write and its
/// answer. Fake API server only: a real cluster gives no such hook.
/// </summary>
public sealed class TrainingJobSyncRaceTests(SyncDatabase database) : SyncTest(database)
{
    [Fact]
    public async Task An_edit_made_while_the_sync_writes_status_is_not_hidden_by_the_answer_to_that_write()
    {
        await PutQueueAsync();
        using var editBeforeAnswer = new BeforeStatusAnswer(async () =>
        {
            var refused = (await Client.TrainingJobs().GetAsync("edited", Namespace, Ct))!;
            refused.Spec = refused.Spec with { PriorityClass = "high" };
            await Client.TrainingJobs().ReplaceAsync(refused, Ct);
            await Task.Delay(TimeSpan.FromSeconds(1), Ct); // lets the watch deliver the edit before the sync reads the answer
        });
        using var syncClient = new k8s.Kubernetes(Server!.ClientConfiguration(), editBeforeAnswer);
        await StartSyncAsync(syncClient);

        await Client.TrainingJobs().CreateAsync(AJob("edited", b => b.Priority(PriorityOnlyTheServerKnows)), Ct);

        var queued = await EventuallyAsync(
            () => Client.TrainingJobs().GetAsync("edited", Namespace, Ct), r => r?.Status?.Phase == JobState.Queued);
        Assert.Equal(2, queued!.Status!.ObservedGeneration);
        Assert.True(editBeforeAnswer.Ran);
    }

    [Fact]
    public async Task A_status_write_for_a_resource_deleted_meanwhile_does_not_land_on_its_recreation()
    {
        // Another replica's sync (they run on every replica) or a user completes the deletion of the resource this sync is
        // reconciling, and the user applies it again under the same name, all before this sync writes the status.
        await PutQueueAsync();
        string? firstUid = null;
        using var recreateBeforeStatus = new BeforeFirst(
            request => request.Method == HttpMethod.Patch && request.RequestUri!.AbsolutePath.EndsWith("/status", StringComparison.Ordinal),
            async () =>
            {
                firstUid = (await Client.TrainingJobs().GetAsync("reborn", Namespace, Ct))!.Metadata.Uid;
                await Client.TrainingJobs().PatchAsync(
                    "reborn", Namespace, new V1Patch(new { metadata = new { finalizers = Array.Empty<string>() } }, V1Patch.PatchType.MergePatch), Ct);
                await Client.TrainingJobs().DeleteAsync("reborn", Namespace, Ct);
                await Client.TrainingJobs().CreateAsync(AJob("reborn"), Ct);
            },
            () => Task.Delay(TimeSpan.FromSeconds(1), Ct)); // lets the watch deliver the re-created resource before the sync goes on
        using var syncClient = new k8s.Kubernetes(Server!.ClientConfiguration(), recreateBeforeStatus);
        await StartSyncAsync(syncClient);

        await Client.TrainingJobs().CreateAsync(AJob("reborn"), Ct);

        var reborn = await EventuallyAsync(
            async () =>
            {
                var resource = await Client.TrainingJobs().GetAsync("reborn", Namespace, Ct);
                IReadOnlyList<JobDetails> ownJobs = resource is null ? [] : await QueryAsync(new GetJobsByOrigin(resource.Metadata.Uid));
                return new { Resource = resource, Jobs = ownJobs };
            },
            r => r.Jobs.Count == 1 && r.Resource?.Status?.JobId == r.Jobs[0].Id.ToString());
        Assert.True(recreateBeforeStatus.Ran);
        Assert.NotEqual(firstUid, reborn.Resource!.Metadata.Uid);
        Assert.Equal(JobState.Queued, reborn.Jobs[0].State);
        await EventuallyAsync(() => QueryAsync(new GetJobsByOrigin(firstUid!)), j => j is [{ State: JobState.Cancelled }]);
    }

    [Fact]
    public async Task A_resource_deleted_before_the_sync_adds_its_finalizer_gets_no_job()
    {
        // Deleted between the watch's report and the reconcile: the finalizer patch finds nothing. A job submitted then
        // would be cancelled only by the Deleted event, and never if the sync restarts before it handles that event.
        await PutQueueAsync();
        string? uid = null;
        using var deleteBeforeFinalizer = new BeforeFirst(
            request => request.Method == HttpMethod.Patch && !request.RequestUri!.AbsolutePath.EndsWith("/status", StringComparison.Ordinal),
            async () =>
            {
                uid = (await Client.TrainingJobs().GetAsync("fleeting", Namespace, Ct))!.Metadata.Uid;
                await Client.TrainingJobs().DeleteAsync("fleeting", Namespace, Ct);
                await Client.TrainingJobs().CreateAsync(AJob("later"), Ct); // reconciled after "fleeting": the sync is one worker
            },
            () => Task.CompletedTask);
        using var syncClient = new k8s.Kubernetes(Server!.ClientConfiguration(), deleteBeforeFinalizer);
        await StartSyncAsync(syncClient);

        await Client.TrainingJobs().CreateAsync(AJob("fleeting"), Ct);

        await EventuallyAsync(() => Client.TrainingJobs().GetAsync("later", Namespace, Ct), r => r?.Status?.Phase == JobState.Queued);
        Assert.True(deleteBeforeFinalizer.Ran);
        Assert.Empty(await QueryAsync(new GetJobsByOrigin(uid!)));
    }

    /// <summary>Runs <c>before</c> once, ahead of the first request that matches, and <c>after</c> once its answer came.</summary>
    private sealed class BeforeFirst(Func<HttpRequestMessage, bool> matches, Func<Task> before, Func<Task> after) : DelegatingHandler
    {
        private int _ran;

        public bool Ran => _ran == 1;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (!matches(request) || Interlocked.CompareExchange(ref _ran, 1, 0) != 0)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            await before();
            var response = await base.SendAsync(request, cancellationToken);
            await after();
            return response;
        }
    }

    /// <summary>Runs an action once, after the API server has applied the first status write and before the sync sees its answer.</summary>
    private sealed class BeforeStatusAnswer(Func<Task> action) : DelegatingHandler
    {
        private int _ran;

        public bool Ran => _ran == 1;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Method == HttpMethod.Patch
                && request.RequestUri!.AbsolutePath.EndsWith("/status", StringComparison.Ordinal)
                && response.IsSuccessStatusCode
                && Interlocked.CompareExchange(ref _ran, 1, 0) == 0)
            {
                await action();
            }

            return response;
        }
    }
}
