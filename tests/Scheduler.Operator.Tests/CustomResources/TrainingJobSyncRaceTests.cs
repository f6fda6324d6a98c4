using k8s;
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
