using System.Text.Json.Nodes;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// What the kwok-like kubelet needs of an API server: the nodes it runs, the pods bound to them, writing a pod's status
/// and confirming a deletion. One backend reaches the fake server's store in process, the other any API server
/// through <c>KubernetesClient</c>. Objects travel as their JSON, as the API server stores them.
/// </summary>
internal interface IKubeletBackend
{
    TimeProvider Time { get; }

    /// <summary>The nodes this kubelet runs (with their <c>status.allocatable</c>).</summary>
    Task<IReadOnlyList<JsonObject>> ListNodesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Every pod bound to one of <paramref name="nodes"/>; a backend may answer more (the in-process one answers every pod, as
    /// filtering there would parse each pod once more per tick): the lifecycle keeps the pods on <paramref name="nodes"/>.
    /// </summary>
    Task<IReadOnlyList<JsonObject>> ListPodsAsync(IReadOnlySet<string> nodes, CancellationToken cancellationToken);

    /// <summary>Writes the pod's status through the status subresource (optimistic concurrency on its resourceVersion); <paramref name="pod"/> is handed over.</summary>
    Task WriteStatusAsync(JsonObject pod, CancellationToken cancellationToken);

    /// <summary>Deletes the pod at once (grace 0), as the kubelet confirms a graceful deletion.</summary>
    Task DeleteAsync(string? @namespace, string name, CancellationToken cancellationToken);

    /// <summary>True for the backend's "someone else wrote or deleted it meanwhile" (409 or 404): look again next tick.</summary>
    bool IsConflictOrGone(Exception error);
}
