using Scheduler.Simulation.Cluster.Processes;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// The kwok-like kubelet of every simulated node of the embedded cluster, working on the fake API server's store in
/// process; <see cref="KubeletLifecycle"/> says what it does to pods. <see cref="ApiKubelet"/> is the same kubelet
/// reaching any API server through <c>KubernetesClient</c>.
/// </summary>
public sealed class SimulatedKubelet : IAsyncDisposable
{
    public const string SimulatedNodeLabel = "gpu-scheduler.io/simulated";

    private readonly KubeletLifecycle _lifecycle;
    private readonly SimulatedClusterOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ProcessPodRuntime? _processes;
    private ITimer? _timer;

    internal SimulatedKubelet(ApiServer.FakeApiServer server, SimulatedClusterOptions options)
    {
        _options = options;
        _processes = options.ProcessRuntime is { } runtime ? new ProcessPodRuntime(runtime) : null;
        _lifecycle = new KubeletLifecycle(new InProcessKubeletBackend(server, options.Server.Time), options, _processes);
    }

    /// <summary>stdout/stderr of the pods the process runtime ran; null when every pod is simulated.</summary>
    public IPodLogs? Logs => _processes?.Logs;

    internal void Start()
    {
        if (_options.TickInterval > TimeSpan.Zero)
        {
            _timer = _options.Server.Time.CreateTimer(_ => _ = TickAsync(_stopping.Token), null, _options.TickInterval, _options.TickInterval);
        }
    }

    /// <summary>Moves every pod on a simulated node one step along its lifecycle, as of now. Safe to call concurrently (calls queue up).</summary>
    public Task TickAsync(CancellationToken cancellationToken = default) => _lifecycle.TickAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        if (_processes is not null)
        {
            await _processes.DisposeAsync();
        }

        _stopping.Dispose();
    }
}
