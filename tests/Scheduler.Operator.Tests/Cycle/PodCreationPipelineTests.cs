using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Scheduler.Core.Decisions;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Tests.Cycle;

/// <summary>
/// Pipelined pod creation: the decision applier returns once the placements are stored, the pods are created after it, and
/// while they are the reconciler leaves the job to its creation (its pods are not missing) and the core cannot preempt it.
/// </summary>
public sealed class PodCreationPipelineTests : IAsyncLifetime
{
    private CycleFixture _cluster = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cluster = await CycleFixture.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task The_cycle_goes_on_while_pods_are_created_and_leaves_the_job_being_created_alone()
    {
        _cluster.AddNodes("node-a", "node-b");
        var job = CycleFixture.Job("train", JobState.Queued, pods: 2);
        using var held = new HoldPodCreations();
        using var client = new k8s.Kubernetes(_cluster.Server.ClientConfiguration(), held);
        var pods = new JobPods(new PodFactory(new WorkloadOptions()), new WorkloadClient(client), _cluster.Inventory);
        var creation = new PodCreation(_cluster.Store, pods, new JobReconciler(), NullLogger<PodCreation>.Instance);
        var pipeline = new PodCreationPipeline(creation, _cluster.Metrics, TimeProvider.System, NullLogger<PodCreationPipeline>.Instance, parallelism: 4);
        var applier = new DecisionApplier(_cluster.Store, pods, creation, _cluster.Metrics, TimeProvider.System, NullLogger<DecisionApplier>.Instance, 4, pipeline);

        await applier.ApplyAsync(new CycleResult([Place(job, "node-a", "node-b")]), new Dictionary<JobId, OperatorJob> { [job.Id] = job }, Ct);

        // Stored, not yet created: the applier did not wait for the API server.
        Assert.Equal(["train Admitted (placed on node-a, node-b)"], _cluster.Store.Writes);
        Assert.True(pipeline.IsCreating(job.Id));
        Assert.Empty(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct));

        // The next cycle: the admitted job's pods are missing, yet nobody else creates them, and it is no preemption victim.
        var admitted = job with { State = JobState.Admitted, Attempt = 2, Version = 2, Placement = Placement(2) };
        var reconciler = new Reconciler(_cluster.Store, _cluster.Inventory, new JobReconciler(), new OrphanFinder(OrphanFinder.DefaultFinishedPodRetention),
            new OrphanGuard(OrphanGuard.DefaultMaxUnknownPodDeletions), _cluster.Term, pods, creation, new WorkloadClient(_cluster.Client), _cluster.Metrics,
            TimeProvider.System, new Scheduler.Operator.Hosting.OperatorSettings(new(), new(), new()), NullLogger<Reconciler>.Instance, pipeline);
        Assert.False(await reconciler.ReconcileAsync([admitted], Ct));
        await applier.ApplyAsync(new CycleResult([new Preempt(job.Id.ToString(), "other", PreemptionReason.HigherPriorityInQueue, "a higher priority job")]),
            new Dictionary<JobId, OperatorJob> { [job.Id] = admitted }, Ct);
        Assert.Equal(["train Admitted (placed on node-a, node-b)"], _cluster.Store.Writes);
        Assert.Equal(0, held.Created);

        held.Release();
        await pipeline.DrainAsync();
        Assert.False(pipeline.IsCreating(job.Id));
        var created = await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct);
        Assert.Equal(["node-a", "node-b"], created.OrderBy(p => p.Name(), StringComparer.Ordinal).Select(p => p.Spec.NodeName));
        Assert.Equal(2, held.Created);

        // Created moments ago: the watch may lag, so the reconciler does not create them again (no more creations are sent).
        Assert.True(pipeline.CreatedRecently(job.Id, admitted.Attempt));
        Assert.False(await reconciler.ReconcileAsync([admitted], Ct));
        Assert.Equal(2, held.Created);
    }

    private static List<JobPodPlacement> Placement(int pods) =>
        Enumerable.Range(0, pods).Select(r => new JobPodPlacement(r, $"node-{(char)('a' + r)}", [0, 1, 2, 3], 1000, 0, 0)).ToList();

    private static Place Place(OperatorJob job, params string[] nodes) =>
        new(job.Id.ToString(), "A100-80GB", nodes.Select((n, rank) => new PodPlacement(rank, n, [0, 1, 2, 3], 1000)).ToList());

    /// <summary>Holds every pod creation until <see cref="Release"/>, as a slow API server would; counts the creations sent.</summary>
    private sealed class HoldPodCreations : DelegatingHandler
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _created;

        public int Created => _created;

        public void Release() => _released.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/pods", StringComparison.Ordinal))
            {
                await _released.Task.WaitAsync(cancellationToken);
                Interlocked.Increment(ref _created);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
