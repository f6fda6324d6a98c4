using System.Text.Json.Nodes;

namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>
/// What runs a pod, when it is not the kubelet's simulated trainer: the kubelet hands each pod this runtime
/// <see cref="Runs"/> to <see cref="StepAsync"/> on every tick instead of simulating it (the GPU admission check stays the kubelet's).
/// </summary>
internal interface IPodRuntime : IAsyncDisposable
{
    bool Runs(JsonObject pod);

    /// <summary>Moves the pod one step along its lifecycle: start, report the exit, or stop it (SIGTERM, SIGKILL after the grace period) on deletion.</summary>
    Task StepAsync(JsonObject pod, IKubeletBackend backend, DateTimeOffset now, CancellationToken cancellationToken);
}
