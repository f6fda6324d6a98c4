using System.Globalization;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Simulation.ApiServer;
using Scheduler.Simulation.Cluster;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>The API-only kubelet on the fake API server, ticked by the test on a fake clock: what it does to nodes, Leases and pods.</summary>
public sealed class ApiKubeletTests : IAsyncLifetime
{
    private const string Node = "kubelet-test-a100-0";
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", CultureInfo.InvariantCulture));
    private SimulatedCluster _server = null!;
    private IKubernetes _client = null!;
    private ApiKubelet _kubelet = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            NodePools = [],
            TickInterval = TimeSpan.Zero,
            Server = new FakeApiServerOptions { Time = _time, ReapInterval = TimeSpan.FromHours(1) },
        }, Ct);
        _client = _server.CreateClient();
        _kubelet = new ApiKubelet(_client, new ApiKubeletOptions { Name = "kubelet-test", Time = _time });
        await _kubelet.RegisterNodeAsync(Node, "A100-80GB", 8, "rack-0", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _kubelet.DisposeAsync();
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_registered_node_is_a_ready_gpu_node_with_a_lease_and_heartbeats_renew_both()
    {
        var node = await _client.CoreV1.ReadNodeAsync(Node, cancellationToken: Ct);
        Assert.Equal("8", node.Status.Allocatable[SimulatedCluster.GpuResource].ToString());
        Assert.Equal("NVIDIA-A100-SXM4-80GB", node.Metadata.Labels[SimulatedCluster.GpuProductLabel]);
        Assert.Equal(("true", "kubelet-test"), (node.Metadata.Labels[SimulatedKubelet.SimulatedNodeLabel], node.Metadata.Labels[ApiKubelet.KubeletLabel]));
        Assert.Contains(node.Status.Conditions, c => c.Type == "Ready" && c.Status == "True");
        var lease = await _client.CoordinationV1.ReadNamespacedLeaseAsync(Node, ApiKubelet.NodeLeaseNamespace, cancellationToken: Ct);
        Assert.Equal((Node, 40), (lease.Spec.HolderIdentity, lease.Spec.LeaseDurationSeconds));
        Assert.Equal("Node", Assert.Single(lease.Metadata.OwnerReferences).Kind);

        _time.Advance(TimeSpan.FromSeconds(10));
        await _kubelet.HeartbeatAsync(Ct);

        var renewed = await _client.CoordinationV1.ReadNamespacedLeaseAsync(Node, ApiKubelet.NodeLeaseNamespace, cancellationToken: Ct);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, renewed.Spec.RenewTime!.Value, TimeSpan.FromSeconds(1));
        var ready = Assert.Single((await _client.CoreV1.ReadNodeAsync(Node, cancellationToken: Ct)).Status.Conditions, c => c.Type == "Ready");
        Assert.Equal(_time.GetUtcNow().UtcDateTime, ready.LastHeartbeatTime!.Value, TimeSpan.FromSeconds(1));
        Assert.Equal(_time.GetUtcNow().UtcDateTime.AddSeconds(-10), ready.LastTransitionTime!.Value, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_pod_naming_no_runtime_runs_until_deleted_then_checkpoints_and_is_deleted_by_the_kubelet()
    {
        // A DaemonSet's pod on a fake node of a real cluster names no runtime: it must run, not churn.
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "daemon", NamespaceProperty = "default" },
            Spec = new V1PodSpec { NodeName = Node, Containers = [new V1Container { Name = "main", Image = "registry.k8s.io/pause:3.10" }] },
        };
        await _client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct);

        _time.Advance(TimeSpan.FromSeconds(3));
        await _kubelet.TickAsync(Ct);
        _time.Advance(TimeSpan.FromDays(30));
        await _kubelet.TickAsync(Ct);

        var running = await _client.CoreV1.ReadNamespacedPodAsync("daemon", "default", cancellationToken: Ct);
        Assert.Equal("Running", running.Status.Phase);
        Assert.Equal(running.Status.PodIP, Assert.Single(running.Status.PodIPs).Ip);
        Assert.True(Assert.Single(running.Status.ContainerStatuses).Ready);

        await _client.CoreV1.DeleteNamespacedPodAsync("daemon", "default", gracePeriodSeconds: 30, cancellationToken: Ct);
        await _kubelet.TickAsync(Ct);
        Assert.NotNull((await _client.CoreV1.ReadNamespacedPodAsync("daemon", "default", cancellationToken: Ct)).Metadata.DeletionTimestamp);
        _time.Advance(TimeSpan.FromSeconds(6)); // past the checkpoint time (5 s) within the grace period
        await _kubelet.TickAsync(Ct);

        Assert.DoesNotContain((await _client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items, p => p.Name() == "daemon");
    }

    [Fact]
    public async Task A_real_cluster_run_sweeps_the_nodes_and_namespace_of_a_killed_run_and_keeps_live_ones()
    {
        await using var killed = new ApiKubelet(_client, new ApiKubeletOptions { Name = "gs-e2e-killed00", Time = _time });
        await killed.RegisterNodeAsync("gs-e2e-killed00-a100-0", "A100-80GB", 8, "rack-0", Ct);
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "gs-e2e-killed00" } }, cancellationToken: Ct);
        await using var live = new ApiKubelet(_client, new ApiKubeletOptions { Name = "gs-e2e-alive000", Time = _time });
        await live.RegisterNodeAsync("gs-e2e-alive000-a100-0", "A100-80GB", 8, "rack-0", Ct);
        _time.Advance(TimeSpan.FromMinutes(3));
        await live.HeartbeatAsync(Ct);

        await ApiKubeletLoopCluster.SweepStaleRunsAsync(_client, _time.GetUtcNow(), Ct);

        var nodes = (await _client.CoreV1.ListNodeAsync(cancellationToken: Ct)).Items.Select(n => n.Name()).Order();
        Assert.Equal(["gs-e2e-alive000-a100-0", Node], nodes); // the kubelet-test node is no gs-e2e run: never swept
        var leases = (await _client.CoordinationV1.ListNamespacedLeaseAsync(ApiKubelet.NodeLeaseNamespace, cancellationToken: Ct)).Items.Select(l => l.Name());
        Assert.DoesNotContain("gs-e2e-killed00-a100-0", leases);
        Assert.DoesNotContain((await _client.CoreV1.ListNamespaceAsync(cancellationToken: Ct)).Items, n => n.Name() == "gs-e2e-killed00" && n.Metadata.DeletionTimestamp is null);
    }
}
