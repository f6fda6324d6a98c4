using k8s;
using k8s.Models;
using Scheduler.Operator.Pods;
using Scheduler.Simulation.Cluster;

namespace Scheduler.Faults.Tests.Support;

/// <summary>
/// The simulated cluster (fake API server, GPU nodes, kwok-like kubelet) in the test process, reached by the control planes
/// through a kubeconfig: it plays the real cluster, which outlives any control-plane process that is killed or paused. A
/// watchdog reads the pods every 100 ms and keeps every moment that breaks an invariant: two attempts of one job alive
/// at once, or one whole GPU bound to two live pods.
/// </summary>
internal sealed class FaultCluster : IAsyncDisposable
{
    public const string Namespace = "training";

    /// <summary>Simulated seconds per real second: one simulated hour per second.</summary>
    public const double ClockSpeed = 3600;

    private readonly SimulatedCluster _cluster;
    private readonly string _directory;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _violations = [];
    private readonly Task _watchdog;

    private FaultCluster(SimulatedCluster cluster, string directory)
    {
        _cluster = cluster;
        _directory = directory;
        Kubeconfig = Path.Combine(directory, "kubeconfig");
        cluster.WriteKubeconfig(Kubeconfig);
        Client = cluster.CreateClient();
        _watchdog = WatchAsync(_stop.Token);
    }

    public string Kubeconfig { get; }

    public IKubernetes Client { get; }

    /// <summary>What the watchdog saw go wrong (empty when nothing did).</summary>
    public IReadOnlyList<string> Violations
    {
        get
        {
            lock (_violations)
            {
                return [.. _violations];
            }
        }
    }

    public static async Task<FaultCluster> StartAsync(int a100Nodes)
    {
        var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            NodePools = [new SimulatedNodePool("A100-80GB", a100Nodes)],
            ClockSpeed = ClockSpeed,
            TickInterval = TimeSpan.FromMilliseconds(50),
        });
        return new FaultCluster(cluster, Directory.CreateTempSubdirectory("faults-cluster").FullName);
    }

    /// <summary>Every pod the scheduler manages, finished ones included.</summary>
    public async Task<IReadOnlyList<V1Pod>> PodsAsync(CancellationToken ct) =>
        (await Client.CoreV1.ListNamespacedPodAsync(Namespace, labelSelector: WorkloadLabels.ManagedSelector, cancellationToken: ct)).Items.ToList();

    public static bool IsLive(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && pod.Status?.Phase is not ("Succeeded" or "Failed");

    private async Task WatchAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                Check(await PodsAsync(ct));
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Check(IReadOnlyList<V1Pod> pods)
    {
        var live = pods.Where(IsLive).ToList();
        foreach (var job in live.GroupBy(p => WorkloadLabels.JobIdOf(p.Metadata)))
        {
            var attempts = job.Select(p => WorkloadLabels.AttemptOf(p.Metadata)).Distinct().Order().ToList();
            if (attempts.Count > 1)
            {
                Record($"job {job.Key} has live pods of attempts {string.Join(", ", attempts)}: {string.Join(", ", job.Select(p => p.Metadata.Name))}");
            }
        }

        foreach (var node in live.Where(p => p.Spec.NodeName is not null).GroupBy(p => p.Spec.NodeName))
        {
            var owners = new Dictionary<string, string>();
            foreach (var pod in node.Where(WholeGpus))
            {
                foreach (var gpu in (Annotation(pod, WorkloadLabels.GpuIndices) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!owners.TryAdd(gpu, pod.Metadata.Name))
                    {
                        Record($"GPU {gpu} of {node.Key} is bound to {owners[gpu]} and {pod.Metadata.Name}");
                    }
                }
            }
        }
    }

    private static bool WholeGpus(V1Pod pod) =>
        !int.TryParse(Annotation(pod, WorkloadLabels.GpuMilli), out var milli) || milli >= 1000;

    private static string? Annotation(V1Pod pod, string key) =>
        pod.Metadata.Annotations is { } annotations && annotations.TryGetValue(key, out var value) ? value : null;

    private void Record(string violation)
    {
        lock (_violations)
        {
            // The same broken state is seen on every pass: keep each once.
            if (!_violations.Contains(violation))
            {
                _violations.Add(violation);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watchdog;
        _stop.Dispose();
        Client.Dispose();
        await _cluster.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
