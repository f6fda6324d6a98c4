using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using Scheduler.Domain.Catalog;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// The embedded default cluster of <c>make run</c>: the fake API server with simulated GPU nodes and a kwok-like
/// kubelet. Reach it with <see cref="CreateClient"/> in process, or with kubectl through <see cref="WriteKubeconfig"/>.
/// </summary>
public sealed class SimulatedCluster : IAsyncDisposable
{
    public const string GpuResource = Kubernetes.Inventory.GpuNode.GpuResource;
    public const string GpuProductLabel = Kubernetes.Inventory.GpuNode.GpuProductLabel;
    public const string RackLabel = "topology.gpu-scheduler.io/rack";
    public const string BlockLabel = "topology.gpu-scheduler.io/block";

    private readonly SimulatedClusterOptions _options;

    private SimulatedCluster(FakeApiServer server, SimulatedClusterOptions options)
    {
        ApiServer = server;
        _options = options;
        Kubelet = new SimulatedKubelet(server, options);
    }

    public FakeApiServer ApiServer { get; }

    public SimulatedKubelet Kubelet { get; }

    /// <summary>The names of the simulated nodes, in creation order.</summary>
    public IReadOnlyList<string> NodeNames { get; private set; } = [];

    public static async Task<SimulatedCluster> StartAsync(SimulatedClusterOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new SimulatedClusterOptions();
        var server = await FakeApiServer.StartAsync(options.Server with { PodLogs = options.Server.PodLogs ?? new SimulatedTrainerLog(options) }, cancellationToken);
        var cluster = new SimulatedCluster(server, options);
        var names = new List<string>();
        foreach (var pool in options.NodePools)
        {
            var type = options.Server.Catalog.Find(pool.GpuType)
                ?? throw new ArgumentException($"The node pool's GPU type '{pool.GpuType}' is not in the catalog.", nameof(options));
            for (var i = 0; i < pool.Nodes; i++)
            {
                var name = $"{pool.Prefix}-{i}";
                var rack = i / Math.Max(1, pool.NodesPerRack);
                cluster.AddNode(name, type, pool.GpusPerNode, $"{pool.Prefix}-rack-{rack}", $"{pool.Prefix}-block-{rack / Math.Max(1, pool.RacksPerBlock)}");
                names.Add(name);
            }
        }

        cluster.NodeNames = names;
        cluster.Kubelet.Start();
        return cluster;
    }

    public IKubernetes CreateClient() => ApiServer.CreateClient();

    public void WriteKubeconfig(string path) => ApiServer.WriteKubeconfig(path);

    /// <summary>Adds a Ready GPU node labelled as the NVIDIA GPU operator labels real ones.</summary>
    public void AddNode(string name, GpuType gpuType, int gpus, string rack, string? block = null)
    {
        ArgumentNullException.ThrowIfNull(gpuType);
        var node = SimulatedNodes.Build(name, gpuType, gpus, rack, ApiServer.Time.GetUtcNow(),
            block is null ? null : new Dictionary<string, string> { [BlockLabel] = block });
        ApiServer.Operations.Create(ApiServer.Resources.Nodes, null, node, RequestOptions.Default);
    }

    /// <summary>Marks a node (un)schedulable, as <c>kubectl cordon</c> does.</summary>
    public void Cordon(string nodeName, bool cordoned = true) =>
        ApiServer.Operations.Patch(ApiServer.Resources.Nodes, null, nodeName, Patches.MergePatch,
            new JsonObject { ["spec"] = new JsonObject { ["unschedulable"] = cordoned ? true : null } }, statusOnly: false, RequestOptions.Default);

    /// <summary>Flips the node's Ready condition, as a node that stops heartbeating would.</summary>
    public void SetReady(string nodeName, bool ready)
    {
        var node = ApiServer.Operations.Get(ApiServer.Resources.Nodes, null, nodeName);
        ResourceOperations.SetCondition(JsonPaths.Child(node, "status"), "Ready", ready ? "True" : "False", ApiServer.Time.GetUtcNow());
        ApiServer.Operations.Replace(ApiServer.Resources.Nodes, null, nodeName, node, statusOnly: true, RequestOptions.Default);
    }

    /// <summary>Deletes the node object; its pods stay until someone deletes them (the operator's job).</summary>
    public void RemoveNode(string nodeName) =>
        ApiServer.Operations.Delete(ApiServer.Resources.Nodes, null, nodeName, new DeleteRequest());

    public async ValueTask DisposeAsync()
    {
        await Kubelet.DisposeAsync();
        await ApiServer.DisposeAsync();
    }
}
