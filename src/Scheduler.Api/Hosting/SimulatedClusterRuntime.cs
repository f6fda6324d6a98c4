using Microsoft.Extensions.Logging;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Operator.Hosting;
using Scheduler.Simulation.ApiServer;
using Scheduler.Simulation.Cluster;
using Scheduler.Simulation.Cluster.Processes;

namespace Scheduler.Api.Hosting;

/// <summary>
/// Simulated mode: the embedded cluster (fake API server with the CRDs, GPU nodes and a kwok-like kubelet) started in process
/// on first use, a kubeconfig for kubectl written to <c>&lt;Scheduler:DataDir&gt;/kubeconfig</c>, and the kubelet's synthetic
/// telemetry posted to the URL each pod carries (the control plane's own).
/// </summary>
internal sealed partial class SimulatedClusterRuntime(
    SimulatedClusterSettings settings, ProcessRuntimeOptions? processes, string kubeconfigPath, GpuCatalog catalog, PriorityClasses priorities, TimeProvider time,
    ILogger<SimulatedClusterRuntime> logger) : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly HttpClient _telemetry = new() { Timeout = TimeSpan.FromSeconds(5) };
    private SimulatedCluster? _cluster;

    public SimulatedCluster Cluster
    {
        get
        {
            lock (_gate)
            {
                return _cluster ??= Start();
            }
        }
    }

    public static IReadOnlyList<SimulatedNodePool> Pools(SimulatedClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var nodes = settings.Nodes.Count > 0 ? settings.Nodes : new Dictionary<string, int> { ["H100-SXM"] = 4, ["A100-80GB"] = 4 };
        return nodes.Where(n => n.Value > 0).Select(n => new SimulatedNodePool(n.Key, n.Value, settings.GpusPerNode)
        {
            NodesPerRack = settings.NodesPerRack,
            RacksPerBlock = settings.RacksPerBlock,
        }).ToList();
    }

    /// <summary>
    /// The process runtime's settings when <c>Simulated:Runtime</c> is <c>Process</c>: the bundled trainer image of this control
    /// plane, the built trainer, and <c>&lt;DataDir&gt;/sim</c> for pods' files and the checkpoints that outlive them.
    /// </summary>
    public static ProcessRuntimeOptions? ProcessRuntime(KubernetesOptions kubernetes, string dataDir)
    {
        ArgumentNullException.ThrowIfNull(kubernetes);
        if (kubernetes.Simulated.Runtime != SimulatedRuntime.Process)
        {
            return null;
        }

        var trainer = Path.GetFullPath(kubernetes.Simulated.TrainerPath ?? Path.Combine(AppContext.BaseDirectory, "Scheduler.Trainer.dll"));
        if (!File.Exists(trainer))
        {
            throw new InvalidOperationException(
                $"Scheduler:Kubernetes:Simulated:Runtime is Process but the trainer '{trainer}' does not exist: build src/Scheduler.Trainer and set Scheduler:Kubernetes:Simulated:TrainerPath (make run SIM_RUNTIME=process does both).");
        }

        return new ProcessRuntimeOptions
        {
            TrainerImage = kubernetes.TrainerImage,
            TrainerPath = trainer,
            DataRoot = Path.GetFullPath(Path.Combine(dataDir, "sim")),
        };
    }

    private SimulatedCluster Start()
    {
        var options = new SimulatedClusterOptions
        {
            NodePools = Pools(settings),
            ClockSpeed = settings.ClockSpeed,
            Telemetry = new HttpSimulatedTelemetrySink(_telemetry),
            ProcessRuntime = processes,
            Server = new FakeApiServerOptions { Time = time, Catalog = catalog, Priorities = priorities },
        };
        // Synchronous on purpose: the client that needs it is resolved from DI; starting Kestrel on 127.0.0.1 takes milliseconds.
        var cluster = SimulatedCluster.StartAsync(options).GetAwaiter().GetResult();
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(kubeconfigPath))!);
        cluster.WriteKubeconfig(kubeconfigPath);
        LogStarted(cluster.ApiServer.BaseAddress, cluster.NodeNames.Count, kubeconfigPath);
        if (processes is not null)
        {
            LogProcessRuntime(processes.TrainerPath, processes.DataRoot);
        }

        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        SimulatedCluster? cluster;
        lock (_gate)
        {
            cluster = _cluster;
            _cluster = null;
        }

        if (cluster is not null)
        {
            await cluster.DisposeAsync();
        }

        _telemetry.Dispose();
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Information,
        Message = "Simulated cluster at {Address} with {Nodes} GPU nodes; kubectl: KUBECONFIG={Kubeconfig}")]
    private partial void LogStarted(Uri address, int nodes, string kubeconfig);

    [LoggerMessage(EventId = 121, Level = LogLevel.Information,
        Message = "Pods of the bundled trainer image run as local processes of {Trainer} (CPU); pod files and checkpoints under {DataRoot}")]
    private partial void LogProcessRuntime(string trainer, string dataRoot);
}
