using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Workloads;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using Scheduler.Operator.Tests.Cycle;

namespace Scheduler.Operator.Tests.Pods;

/// <summary>The API calls that create a placed job's pods, counted on the fake API server: how many, and what they leave behind.</summary>
public sealed class JobPodsTests : IAsyncLifetime
{
    private CycleFixture _cluster = null!;
    private RecordingHandler _calls = null!;
    private k8s.Kubernetes _client = null!;
    private JobPods _pods = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cluster = await CycleFixture.StartAsync();
        _calls = new RecordingHandler();
        _client = new k8s.Kubernetes(_cluster.Server.ClientConfiguration(), _calls);
        _pods = new JobPods(new PodFactory(new WorkloadOptions()), new WorkloadClient(_client), _cluster.Inventory);
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task A_single_pod_job_is_created_bound_to_its_node_in_one_call_without_a_service()
    {
        var job = CycleFixture.Job("solo", JobState.Admitted);

        await _pods.CreateAsync(job, job.Placement!, Ct);

        Assert.Equal(["POST /api/v1/namespaces/default/pods"], _calls.Requests);
        var pod = Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct));
        Assert.Equal("node-a", pod.Spec.NodeName);
        Assert.Null(pod.Spec.Subdomain);
        Assert.Equal("127.0.0.1", pod.Spec.Containers[0].Env.Single(e => e.Name == TrainerEnvironment.MasterAddr).Value);
        Assert.Empty(await _cluster.Workloads.ListServicesAsync(Ct));
    }

    [Fact]
    public async Task A_job_of_several_pods_gets_its_service_then_each_pod_created_bound_without_binding_calls()
    {
        var job = CycleFixture.Job("gang", JobState.Admitted, pods: 2);

        await _pods.CreateAsync(job, job.Placement!, Ct);

        Assert.Equal(
            ["POST /api/v1/namespaces/default/services", "POST /api/v1/namespaces/default/pods", "POST /api/v1/namespaces/default/pods"],
            _calls.Requests);
        var pods = (await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)).OrderBy(p => p.Name(), StringComparer.Ordinal).ToList();
        Assert.Equal(["node-a", "node-b"], pods.Select(p => p.Spec.NodeName));
        var service = Assert.Single(await _cluster.Workloads.ListServicesAsync(Ct));
        Assert.All(pods, p => Assert.Equal(service.Name(), p.Spec.Subdomain));
        Assert.All(pods, p => Assert.EndsWith($".{service.Name()}.default.svc", p.Spec.Containers[0].Env.Single(e => e.Name == TrainerEnvironment.MasterAddr).Value, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Creating_the_pods_again_after_a_crash_makes_no_second_pod_and_changes_no_binding()
    {
        var job = CycleFixture.Job("again", JobState.Admitted, pods: 2);
        await _pods.CreateAsync(job, job.Placement!, Ct);
        var first = await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct);

        await _pods.CreateAsync(job, job.Placement!, Ct);

        var second = await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct);
        Assert.Equal(first.Select(p => (p.Name(), p.Uid(), p.Spec.NodeName)).Order(), second.Select(p => (p.Name(), p.Uid(), p.Spec.NodeName)).Order());
    }

    [Fact]
    public async Task A_pod_an_older_operator_created_unbound_is_bound_to_its_node_when_created_again()
    {
        var job = CycleFixture.Job("upgraded", JobState.Admitted);
        var unbound = new PodFactory(new WorkloadOptions()).Pod(job, job.Placement![0]);
        await _cluster.Client.CoreV1.CreateNamespacedPodAsync(unbound, "default", cancellationToken: Ct);

        await _pods.CreateAsync(job, job.Placement!, Ct);

        Assert.Equal("node-a", Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)).Spec.NodeName);
        Assert.Equal(["POST /api/v1/namespaces/default/pods", $"POST /api/v1/namespaces/default/pods/{unbound.Name()}/binding"], _calls.Requests);
    }

    [Fact]
    public async Task A_single_pod_job_that_ends_deletes_no_service()
    {
        var job = CycleFixture.Job("ended", JobState.Succeeded);

        await _pods.DeleteServiceAsync(job, Ct);

        Assert.Empty(_calls.Requests);
    }

    private sealed class RecordingHandler : DelegatingHandler
    {
        private readonly ConcurrentQueue<string> _requests = new();

        public IReadOnlyList<string> Requests => [.. _requests];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _requests.Enqueue($"{request.Method} {request.RequestUri!.AbsolutePath}");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
