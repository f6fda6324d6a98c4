using k8s;
using System.Net;
using k8s.Models;
using Scheduler.Core.Decisions;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class DecisionApplierTests : IAsyncLifetime
{
    private CycleFixture _cluster = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _cluster = await CycleFixture.StartAsync();

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_placement_is_stored_before_its_pods_are_created_and_bound_to_the_chosen_nodes()
    {
        var job = CycleFixture.Job("train", JobState.Queued, pods: 2);
        _cluster.Store.Observe = async () => $"{(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)).Count} pods";

        await _cluster.Applier().ApplyAsync(Result(placements: [Place(job, "node-a", "node-b")]), Jobs(job), Ct);

        Assert.Equal(["train Admitted (placed on node-a, node-b) [0 pods]"], _cluster.Store.Writes);
        var pods = await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct);
        Assert.Equal(["node-a", "node-b"], pods.OrderBy(p => p.Name(), StringComparer.Ordinal).Select(p => p.Spec.NodeName));
        Assert.All(pods, p => Assert.Equal("2", p.Metadata.Labels["gpu-scheduler.io/attempt"]));
    }

    [Fact]
    public async Task A_placement_the_store_refuses_creates_no_pods()
    {
        var job = CycleFixture.Job("train", JobState.Queued);
        _cluster.Store.Accepts = false;

        await _cluster.Applier().ApplyAsync(Result(placements: [Place(job, "node-a")]), Jobs(job), Ct);

        Assert.Empty(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct));
    }

    [Fact]
    public async Task A_job_whose_pods_cannot_be_created_goes_back_to_the_queue_without_leftovers()
    {
        var job = CycleFixture.Job("train", JobState.Queued, pods: 2);
        // The second pod's creation fails: the first, created already, must not stay behind holding its GPUs.
        using var failing = new k8s.Kubernetes(_cluster.Server.ClientConfiguration(), new FailSecondPod());
        var pods = new Scheduler.Operator.Pods.JobPods(new Scheduler.Operator.Pods.PodFactory(new Scheduler.Operator.Pods.WorkloadOptions()),
            new Scheduler.Operator.Pods.WorkloadClient(failing), _cluster.Inventory);
        var applier = _cluster.Applier(pods);

        await applier.ApplyAsync(Result(placements: [Place(job, "node-a", "node-b")]), Jobs(job), Ct);

        Assert.Equal(["train Admitted (placed on node-a, node-b)", "train Queued"], _cluster.Store.Writes);
        Assert.NotNull(Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)).Metadata.DeletionTimestamp);
    }

    public static TheoryData<string, int> Refusals => new()
    {
        { "quota", 403 },
        { "namespace", 404 },
        { "invalid", 422 },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_pod_the_api_server_refuses_counts_as_a_failed_attempt_with_the_servers_reason(string refusal, int code)
    {
        var job = CycleFixture.Job("train", JobState.Queued, pods: 2);
        var answer = Refusal(refusal);
        _cluster.RefusePodsOf(job, answer);

        await _cluster.Applier(backoffLimit: 3).ApplyAsync(Result(placements: [Place(job, "node-a", "node-b")]), Jobs(job), Ct);

        Assert.Equal(["train Admitted (placed on node-a, node-b)", "train retry"], _cluster.Store.Writes);
        Assert.Contains($"{code} {answer.Message}", _cluster.Store.Reasons[1], StringComparison.Ordinal);
        Assert.Contains("retry 1 of 3", _cluster.Store.Reasons[1], StringComparison.Ordinal);
        Assert.Empty(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct));
    }

    [Fact]
    public async Task A_pod_refused_at_the_backoff_limit_ends_the_job_failed_with_the_servers_reason()
    {
        var job = CycleFixture.Job("train", JobState.Queued) with { FailedAttempts = 3 };
        _cluster.RefusePodsOf(job, Refusal("quota"));

        await _cluster.Applier(backoffLimit: 3).ApplyAsync(Result(placements: [Place(job, "node-a")]), Jobs(job), Ct);

        Assert.Equal(["train Admitted (placed on node-a)", "train Failed"], _cluster.Store.Writes);
        Assert.Contains("exceeded quota: gpu-quota", _cluster.Store.Reasons[1], StringComparison.Ordinal);
        Assert.Contains("backoff limit of 3 retries reached", _cluster.Store.Reasons[1], StringComparison.Ordinal);
        Assert.Empty(await _cluster.Workloads.ListServicesAsync(Ct));
    }

    [Fact]
    public async Task A_job_whose_pods_are_refused_does_not_stop_the_placements_after_it()
    {
        var bad = CycleFixture.Job("bad", JobState.Queued);
        var good = CycleFixture.Job("good", JobState.Queued);
        _cluster.RefusePodsOf(bad, Refusal("invalid"));

        await _cluster.Applier().ApplyAsync(Result(placements: [Place(bad, "node-a"), Place(good, "node-b")]), Jobs(bad, good), Ct);

        // The cycle's placements are stored first, then their pods created: the refusal is retried after both admissions.
        Assert.Equal(["bad Admitted (placed on node-a)", "good Admitted (placed on node-b)", "bad retry"], _cluster.Store.Writes);
        Assert.Equal("node-b", Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(good.Id, Ct)).Spec.NodeName);
    }

    [Fact]
    public async Task A_placement_whose_store_write_fails_does_not_stop_the_placements_after_it()
    {
        var bad = CycleFixture.Job("bad", JobState.Queued);
        var good = CycleFixture.Job("good", JobState.Queued);
        _cluster.Store.Throws = "bad";

        await _cluster.Applier().ApplyAsync(Result(placements: [Place(bad, "node-a"), Place(good, "node-b")]), Jobs(bad, good), Ct);

        Assert.Equal(["good Admitted (placed on node-b)"], _cluster.Store.Writes);
        Assert.Empty(await _cluster.Workloads.ListPodsOfJobAsync(bad.Id, Ct));
        Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(good.Id, Ct));
    }

    [Fact]
    public async Task A_pod_whose_annotations_pass_256_KiB_is_refused_as_invalid_by_the_api_server()
    {
        var job = CycleFixture.Job("train", JobState.Queued);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "huge", NamespaceProperty = "default", Annotations = new Dictionary<string, string> { ["note"] = new('x', 256 * 1024) } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
        };

        var refused = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => _cluster.Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct));

        Assert.Equal(422, (int)refused.Response.StatusCode);
        Assert.StartsWith("422 Pod \"huge\" is invalid: metadata.annotations: Too long", Scheduler.Operator.Pods.ApiRefusal.Of(refused), StringComparison.Ordinal);
        Assert.Empty(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct));
    }

    [Fact]
    public async Task A_victim_is_stored_preempted_before_its_pods_get_sigterm_and_their_grace_period()
    {
        var victim = CycleFixture.Job("victim", JobState.Running);
        await _cluster.Pods.CreateAsync(victim, victim.Placement!, Ct);
        await _cluster.SyncPodsAsync(victim);
        _cluster.Store.Observe = async () => (await _cluster.Workloads.ListPodsOfJobAsync(victim.Id, Ct)).Any(p => p.Metadata.DeletionTimestamp is not null) ? "stopping" : "running";

        await _cluster.Applier().ApplyAsync(Result(preemptions: [new Preempt(victim.Id.ToString(), "high", PreemptionReason.HigherPriorityInQueue, "preempted by high")]), Jobs(victim), Ct);

        Assert.Equal(["victim Preempted [running]"], _cluster.Store.Writes);
        // Deleted with the pod's own grace period: still there, terminating, for the trainer to checkpoint.
        var pod = Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(victim.Id, Ct));
        Assert.NotNull(pod.Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task A_victim_that_moved_meanwhile_keeps_its_pods()
    {
        var victim = CycleFixture.Job("victim", JobState.Running);
        await _cluster.Pods.CreateAsync(victim, victim.Placement!, Ct);
        await _cluster.SyncPodsAsync(victim);
        _cluster.Store.Accepts = false;

        await _cluster.Applier().ApplyAsync(Result(preemptions: [new Preempt(victim.Id.ToString(), "high", PreemptionReason.HigherPriorityInQueue, "preempted by high")]), Jobs(victim), Ct);

        Assert.Null(Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(victim.Id, Ct)).Metadata.DeletionTimestamp);
    }

    [Fact]
    public async Task Pending_reasons_are_written_only_when_the_reason_or_the_predicted_start_changed()
    {
        var start = CycleFixture.Now.AddHours(2);
        var same = CycleFixture.Job("same", JobState.Queued) with { PendingReason = "quota exhausted" };
        var reason = CycleFixture.Job("reason", JobState.Queued) with { PendingReason = "quota exhausted" };
        var reserved = CycleFixture.Job("reserved", JobState.Queued) with { PendingReason = "waits for 8 GPUs" };

        await _cluster.Applier().ApplyAsync(
            Result(
                pending: [new Pending(same.Id.ToString(), "quota exhausted"), new Pending(reason.Id.ToString(), "no node fits"), new Pending(reserved.Id.ToString(), "waits for 8 GPUs")],
                reservations: [new Reserve(reserved.Id.ToString(), start, ["node-a"])]),
            Jobs(same, reason, reserved), Ct);

        Assert.Equal([(reason.Id.Value, "no node fits", (DateTimeOffset?)null), (reserved.Id.Value, "waits for 8 GPUs", start)],
            _cluster.Store.Pending.Select(p => (p.JobId, p.Reason, p.PredictedStart)));
    }

    private static Dictionary<JobId, Scheduler.Operator.Store.OperatorJob> Jobs(params Scheduler.Operator.Store.OperatorJob[] jobs) =>
        jobs.ToDictionary(j => j.Id);

    private static Place Place(Scheduler.Operator.Store.OperatorJob job, params string[] nodes) =>
        new(job.Id.ToString(), "A100-80GB", nodes.Select((n, rank) => new PodPlacement(rank, n, [0, 1, 2, 3], 1000)).ToList());

    private static CycleResult Result(
        IReadOnlyList<Place>? placements = null, IReadOnlyList<Preempt>? preemptions = null, IReadOnlyList<Pending>? pending = null,
        IReadOnlyList<Reserve>? reservations = null) =>
        new([.. preemptions ?? [], .. placements ?? [], .. reservations ?? [], .. pending ?? []]);

    private static Scheduler.Simulation.ApiServer.AdmissionRefusal Refusal(string kind) => kind switch
    {
        "quota" => Scheduler.Simulation.ApiServer.AdmissionRefusal.Forbidden("Pod", "train", "exceeded quota: gpu-quota, requested: nvidia.com/gpu=4, used: nvidia.com/gpu=8, limited: nvidia.com/gpu=8"),
        "namespace" => Scheduler.Simulation.ApiServer.AdmissionRefusal.NamespaceNotFound("team-gone"),
        _ => Scheduler.Simulation.ApiServer.AdmissionRefusal.Invalid("Pod", "train", "spec.containers[0].env[0].name", "Invalid value: \"1BAD\": a valid environment variable name must consist of alphabetic characters"),
    };

    /// <summary>Answers the second pod creation with a 500, without sending it.</summary>
    private sealed class FailSecondPod : DelegatingHandler
    {
        private int _creations;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.Method == HttpMethod.Post && request.RequestUri!.AbsolutePath.EndsWith("/pods", StringComparison.Ordinal)
            && Interlocked.Increment(ref _creations) == 2
                ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)
                {
                    RequestMessage = request,
                    Content = new StringContent("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"injected","code":500}"""),
                })
                : base.SendAsync(request, cancellationToken);
    }
}
