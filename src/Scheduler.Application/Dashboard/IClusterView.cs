namespace Scheduler.Application.Dashboard;

/// <summary>
/// The cluster as the dashboard and <c>/metrics</c> see it: GPU nodes and the scheduler's pods on them. Implemented over the
/// Kubernetes API (or the operator's inventory once it runs); an empty cluster where there is none.
/// </summary>
public interface IClusterView
{
    ValueTask<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken);
}

/// <summary>GPU nodes and the scheduler's pods (all phases; only pods that hold GPUs count in <see cref="ClusterAllocation"/>).</summary>
public sealed record ClusterSnapshot(IReadOnlyList<ClusterNode> Nodes, IReadOnlyList<ClusterPod> Pods)
{
    public static ClusterSnapshot Empty { get; } = new([], []);
}

/// <summary>A node with <paramref name="GpuCount"/> allocatable GPUs of one catalog type; <paramref name="Domains"/>: its rack and block, where labelled.</summary>
public sealed record ClusterNode(string Name, string GpuType, int GpuCount, bool Ready, bool Schedulable, NodeDomains? Domains = null);

/// <summary>The interconnect domains a node's labels name (null members: not labelled); the GPU page groups nodes by them.</summary>
public sealed record NodeDomains(string? Zone = null, string? Block = null, string? Rack = null, string? Clique = null);

/// <summary>
/// One of our pods: its job, the node it is bound to (null before binding), the GPU indices the scheduler chose there and
/// the thousandths of each it uses (1000 for whole GPUs), and its phase (Pending, Running, Succeeded, Failed, Unknown).
/// </summary>
public sealed record ClusterPod(string Name, Guid JobId, string? Node, IReadOnlyList<int> GpuIndices, int GpuMilli, string Phase)
{
    /// <summary>Finished pods give their GPUs back.</summary>
    public bool HoldsGpus => Node is not null && Phase is not ("Succeeded" or "Failed");
}

/// <summary>An empty cluster: the control plane runs without a Kubernetes API (REST only).</summary>
public sealed class EmptyClusterView : IClusterView
{
    public ValueTask<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken) => ValueTask.FromResult(ClusterSnapshot.Empty);
}
