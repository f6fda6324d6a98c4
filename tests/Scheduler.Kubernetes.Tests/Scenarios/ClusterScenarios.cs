using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Leadership;
using Scheduler.Kubernetes.Resources;
using Scheduler.Kubernetes.Tests.Support;
using Scheduler.Kubernetes.Watching;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Kubernetes.Tests.Scenarios;

/// <summary>
/// The API behaviour our operator relies on, written once and run twice: against the fake API server (every build) and
/// against a real cluster from KUBECONFIG (<see cref="RealClusterScenarios"/>, Category=E2E, docs/e2e.md). Each run
/// works in a namespace of its own.
/// </summary>
public abstract class ClusterScenarios : IAsyncLifetime
{
    protected IKubernetes Client { get; private set; } = null!;

    protected string Namespace { get; } = $"gs-test-{Guid.NewGuid():N}"[..20];

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Connects (or skips the test with the reason) and returns a client for the cluster.</summary>
    protected abstract Task<IKubernetes> ConnectAsync();

    protected abstract Task DisconnectAsync();

    public async ValueTask InitializeAsync()
    {
        Client = await ConnectAsync();
        await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (Client is null)
        {
            return;
        }

        await Client.CoreV1.DeleteNamespaceAsync(Namespace, cancellationToken: CancellationToken.None);
        Client.Dispose();
        await DisconnectAsync();
    }

    [Fact]
    public async Task Training_jobs_are_created_read_updated_through_status_and_deleted()
    {
        var jobs = Client.TrainingJobs();
        var job = Job("round-trip");
        job.Metadata.NamespaceProperty = Namespace;

        var created = await jobs.CreateAsync(job, Ct);
        var duplicate = await Assert.ThrowsAsync<HttpOperationException>(() => jobs.CreateAsync(job, Ct));
        var withStatus = await jobs.PatchStatusAsync("round-trip", Namespace, new { status = new { phase = "Queued", pendingReason = "waiting for quota" } }, Ct);
        var respecified = await jobs.PatchAsync("round-trip", Namespace, new V1Patch(new { spec = new { priorityClass = "high" } }, V1Patch.PatchType.MergePatch), Ct);
        var deleted = await jobs.DeleteAsync("round-trip", Namespace, Ct);
        var gone = await Eventually(() => jobs.GetAsync("round-trip", Namespace, Ct), j => j is null);

        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.Response.StatusCode);
        Assert.Equal(JobState.Queued, withStatus.Status!.Phase);
        Assert.Equal(1, withStatus.Metadata.Generation);
        Assert.Equal(2, respecified.Metadata.Generation);
        Assert.Equal("waiting for quota", respecified.Status!.PendingReason);
        Assert.True(deleted);
        Assert.Null(gone);
    }

    [Theory]
    [InlineData("spec.resources.gpus")]
    [InlineData("spec.resources.gpuMilli")]
    public async Task Invalid_training_jobs_are_refused_naming_the_field(string field)
    {
        var job = field == "spec.resources.gpus"
            ? Job("zero-gpus", b => b.Gpus(0))
            : Job("milli", b => b.Gpus(2).With(s => s with { Resources = s.Resources! with { GpuMilli = 500 } }));
        job.Metadata.NamespaceProperty = Namespace;

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => Client.TrainingJobs().CreateAsync(job, Ct));

        Assert.Equal((HttpStatusCode)422, error.Response.StatusCode);
        Assert.Contains(KubernetesJson.Deserialize<V1Status>(error.Response.Content).Details.Causes, c => c.Field == field);
    }

    [Fact]
    public async Task A_watcher_reports_changes_made_after_its_list()
    {
        var seen = new List<string>();
        var done = new TaskCompletionSource();
        var watcher = new ResourceWatcher<TrainingJob>(Client.TrainingJobs().WatchSource(Namespace), TimeProvider.System);
        await watcher.RunUntilAsync(async (e, ct) =>
        {
            seen.Add($"{e.Type} {e.Object?.Metadata.Name}".TrimEnd());
            if (e.Type == ResourceEventType.Synced)
            {
                var job = Job("watched");
                job.Metadata.NamespaceProperty = Namespace;
                await Client.TrainingJobs().CreateAsync(job, ct);
                await Client.TrainingJobs().DeleteAsync("watched", Namespace, ct);
            }
            else if (e.Type == ResourceEventType.Deleted)
            {
                done.TrySetResult();
            }
        }, done.Task);

        Assert.Equal("Synced", seen[0]);
        Assert.Equal("Added watched", seen[1]);
        Assert.Equal("Deleted watched", seen[^1]);
    }

    [Fact]
    public async Task Leadership_moves_to_the_second_replica_when_the_first_stops()
    {
        var options = new LeaderElectionOptions
        {
            Namespace = Namespace, LeaseName = "operator",
            LeaseDuration = TimeSpan.FromSeconds(2), RenewDeadline = TimeSpan.FromSeconds(1.5), RetryPeriod = TimeSpan.FromMilliseconds(200),
        };
        var first = new LeaderElection(Client, options with { Identity = "first" });
        var second = new LeaderElection(Client, options with { Identity = "second" });
        var firstLeads = new TaskCompletionSource();
        var secondLeads = new TaskCompletionSource();
        using var stopFirst = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var stopSecond = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var runFirst = first.RunAsync(_ => { firstLeads.TrySetResult(); return Task.CompletedTask; }, stopFirst.Token);
        await firstLeads.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        var runSecond = second.RunAsync(_ => { secondLeads.TrySetResult(); return Task.CompletedTask; }, stopSecond.Token);
        await stopFirst.CancelAsync();
        await runFirst;
        await secondLeads.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        await stopSecond.CancelAsync();
        await runSecond;

        var lease = await Client.CoordinationV1.ReadNamespacedLeaseAsync("operator", Namespace, cancellationToken: Ct);
        Assert.Equal("second", lease.Spec.HolderIdentity);
    }

    [Fact]
    public async Task A_bound_pod_is_deleted_gracefully()
    {
        var node = (await Client.CoreV1.ListNodeAsync(cancellationToken: Ct)).Items[0].Metadata.Name;
        var pod = Pod("graceful");
        pod.Metadata.NamespaceProperty = Namespace;
        pod.Spec.Containers[0].Image = "registry.k8s.io/pause:3.10";
        await Client.CoreV1.CreateNamespacedPodAsync(pod, Namespace, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodBindingAsync(
            new V1Binding { Metadata = new V1ObjectMeta { Name = "graceful" }, Target = new V1ObjectReference { Kind = "Node", Name = node } }, "graceful", Namespace, cancellationToken: Ct);

        var bound = await Client.CoreV1.ReadNamespacedPodAsync("graceful", Namespace, cancellationToken: Ct);
        var deleting = await Client.CoreV1.DeleteNamespacedPodAsync("graceful", Namespace, gracePeriodSeconds: 30, cancellationToken: Ct);

        Assert.Equal(node, bound.Spec.NodeName);
        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(30, deleting.Metadata.DeletionGracePeriodSeconds);
    }
}
