using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Scheduler.Kubernetes.Crds;
using Scheduler.Simulation.Cluster;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// Fake GPU nodes of an <see cref="ApiKubelet"/> (the kwok way) on an API server the kubelet reaches through
/// KubernetesClient only: the fake API server in every build (<see cref="OnFakeServerAsync"/>, its in-process kubelet
/// idle), or the cluster of <c>KUBECONFIG</c> with <c>GPU_SCHEDULER_E2E=1</c> (<see cref="OnRealClusterAsync"/>, docs/e2e.md).
/// Each run has a name of its own (<c>gs-e2e-…</c>): its namespace, its kubelet's node label and its nodes' prefix; at the
/// end it deletes its pods, namespace, nodes and their Leases.
/// </summary>
internal sealed class ApiKubeletLoopCluster : LoopCluster
{
    /// <summary>On a real cluster jobs run this many times longer than on the fake server: API round trips take longer.</summary>
    public const double RealClusterSlowdown = 3;

    private readonly Func<IKubernetes> _clients;
    private readonly IKubernetes _client;
    private readonly ApiKubelet _kubelet;
    private readonly SimulatedCluster? _fakeServer;
    private readonly bool _real;

    private ApiKubeletLoopCluster(Func<IKubernetes> clients, IKubernetes client, string run, ApiKubelet kubelet, SimulatedCluster? fakeServer)
    {
        _clients = clients;
        _client = client;
        Namespace = run;
        _kubelet = kubelet;
        _fakeServer = fakeServer;
        _real = fakeServer is null;
    }

    public override string Namespace { get; }

    public override string LeaseNamespace => Namespace;

    public override IReadOnlyList<string> NodeNames => _kubelet.NodeNames;

    public override TimeSpan Patience => _real ? TimeSpan.FromSeconds(120) : OperatorHarness.Patience;

    public override (TimeSpan Lease, TimeSpan RenewDeadline, TimeSpan Retry) LeaderElection => _real
        ? (TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(0.5))
        : base.LeaderElection;

    public override bool SyncOwnNamespaceOnly => true;

    public override string Diagnostics => _kubelet.LastError is { } error ? $" (the kubelet's last error: {error.Message})" : string.Empty;

    /// <summary>The fake API server with no nodes of its own and its in-process kubelet idle; the API-only kubelet brings the nodes.</summary>
    public static async Task<LoopCluster> OnFakeServerAsync(IReadOnlyList<SimulatedNodePool> pools, double clockSpeed)
    {
        var server = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { NodePools = [], TickInterval = TimeSpan.Zero });
        var options = new ApiKubeletOptions
        {
            Name = RunName(),
            ClockSpeed = clockSpeed,
            TickInterval = TimeSpan.FromMilliseconds(50),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
        };
        return await StartAsync(server.CreateClient, options, pools, server);
    }

    /// <summary>The cluster of <c>KUBECONFIG</c>, only with <c>GPU_SCHEDULER_E2E=1</c> (skips otherwise); the CRDs are installed or updated.</summary>
    public static async Task<LoopCluster> OnRealClusterAsync(IReadOnlyList<SimulatedNodePool> pools, double clockSpeed)
    {
        var kubeconfig = Environment.GetEnvironmentVariable("KUBECONFIG");
        if (Environment.GetEnvironmentVariable("GPU_SCHEDULER_E2E") != "1" || string.IsNullOrEmpty(kubeconfig) || !File.Exists(kubeconfig))
        {
            Assert.Skip("E2E: set GPU_SCHEDULER_E2E=1 and KUBECONFIG to a disposable kind or k3d cluster (docs/e2e.md).");
        }

        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        using (var admin = new k8s.Kubernetes(config))
        {
            await CustomResourceDefinitions.InstallAsync(admin, TestContext.Current.CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken); // let new CRDs become established
            await SweepStaleRunsAsync(admin, DateTimeOffset.UtcNow, TestContext.Current.CancellationToken);
        }

        var options = new ApiKubeletOptions { Name = RunName(), ClockSpeed = clockSpeed / RealClusterSlowdown };
        return await StartAsync(() => new k8s.Kubernetes(config), options, pools, fakeServer: null);
    }

    private static string RunName() => $"{RunPrefix}{Guid.NewGuid():N}"[..15];

    private const string RunPrefix = "gs-e2e-";

    /// <summary>
    /// Deletes what an earlier run that never cleaned up (killed) left: fake nodes of a <c>gs-e2e-…</c> kubelet whose Lease
    /// has not been renewed for two minutes, their Leases and the run's namespace. Live runs renew every 10 s.
    /// </summary>
    internal static async Task SweepStaleRunsAsync(IKubernetes client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stale = (now - TimeSpan.FromMinutes(2)).UtcDateTime;
        foreach (var node in (await client.CoreV1.ListNodeAsync(labelSelector: ApiKubelet.KubeletLabel, cancellationToken: cancellationToken)).Items)
        {
            var run = node.Metadata.Labels[ApiKubelet.KubeletLabel];
            if (!run.StartsWith(RunPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (await LeaseOfAsync(client, node.Name(), cancellationToken) is { Spec.RenewTime: { } renewed } && renewed > stale)
            {
                continue;
            }

            await ApiKubelet.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNodeAsync(node.Name(), cancellationToken: cancellationToken));
            await ApiKubelet.IgnoreNotFoundAsync(() => client.CoordinationV1.DeleteNamespacedLeaseAsync(node.Name(), ApiKubelet.NodeLeaseNamespace, cancellationToken: cancellationToken));
            await ApiKubelet.IgnoreNotFoundAsync(() => client.CoreV1.DeleteNamespaceAsync(run, cancellationToken: cancellationToken));
        }
    }

    private static async Task<LoopCluster> StartAsync(Func<IKubernetes> clients, ApiKubeletOptions options, IReadOnlyList<SimulatedNodePool> pools, SimulatedCluster? fakeServer)
    {
        var client = clients();
        var kubelet = new ApiKubelet(client, options);
        var cluster = new ApiKubeletLoopCluster(clients, client, options.Name, kubelet, fakeServer);
        try
        {
            var ct = TestContext.Current.CancellationToken;
            await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = options.Name } }, cancellationToken: ct);
            if (fakeServer is null)
            {
                // A real API server refuses pods whose ServiceAccount does not exist: the job pods' own, as the chart creates it.
                await client.CoreV1.CreateNamespacedServiceAccountAsync(
                    new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = new Scheduler.Domain.Jobs.JobPodPolicy().ServiceAccount }, AutomountServiceAccountToken = false },
                    options.Name, cancellationToken: ct);
            }

            foreach (var pool in pools)
            {
                for (var i = 0; i < pool.Nodes; i++)
                {
                    await kubelet.RegisterNodeAsync($"{options.Name}-{pool.GpuType.ToLowerInvariant()}-{i}", pool.GpuType, pool.GpusPerNode,
                        $"{options.Name}-rack-{i / Math.Max(1, pool.NodesPerRack)}", ct);
                }
            }

            kubelet.Start();
            // A real cluster taints a new node not-ready until its lifecycle controller has seen the Ready condition.
            await OperatorHarness.WaitUntilAsync(
                async () => (await client.CoreV1.ListNodeAsync(labelSelector: $"{ApiKubelet.KubeletLabel}={options.Name}", cancellationToken: ct)).Items
                    .All(n => n.Spec?.Taints is null or { Count: 0 }),
                cluster.Patience, () => "the fake nodes are still tainted (not ready)" + cluster.Diagnostics);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public override IKubernetes CreateClient() => _clients();

    public override Task CordonAsync(string node, bool cordoned = true) =>
        _client.CoreV1.PatchNodeAsync(new V1Patch(new JsonObject { ["spec"] = new JsonObject { ["unschedulable"] = cordoned } }, V1Patch.PatchType.MergePatch), node);

    public override Task RemoveNodeAsync(string node) => _client.CoreV1.DeleteNodeAsync(node);

    /// <summary>Stops the kubelet, then deletes the run's pods at once (no kubelet is left to finish a graceful deletion), its namespace, nodes and Leases.</summary>
    public override async ValueTask DisposeAsync()
    {
        await _kubelet.DisposeAsync();
        try
        {
            foreach (var pod in (await _client.CoreV1.ListNamespacedPodAsync(Namespace)).Items)
            {
                await ApiKubelet.IgnoreNotFoundAsync(() => _client.CoreV1.DeleteNamespacedPodAsync(pod.Name(), Namespace, gracePeriodSeconds: 0));
            }

            await ApiKubelet.IgnoreNotFoundAsync(() => _client.CoreV1.DeleteNamespaceAsync(Namespace));
            await _kubelet.RemoveNodesAsync();
        }
        finally
        {
            _client.Dispose();
            if (_fakeServer is not null)
            {
                await _fakeServer.DisposeAsync();
            }
        }
    }

    private static async Task<V1Lease?> LeaseOfAsync(IKubernetes client, string node, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoordinationV1.ReadNamespacedLeaseAsync(node, ApiKubelet.NodeLeaseNamespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
