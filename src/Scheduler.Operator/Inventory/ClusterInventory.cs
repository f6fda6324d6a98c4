using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Scheduler.Kubernetes.Watching;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// The operator's view of the cluster, kept in sync by watches: GPU nodes and the pods we own. Readers take consistent copies;
/// every relevant change raises <see cref="Changed"/> so the next cycle runs at once instead of waiting for its timer.
/// </summary>
public sealed class ClusterInventory(NodeTranslator translator, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, NodeCapacity> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);

    public event Action? Changed;

    /// <summary>True once both the node and the pod lists have been read at least once.</summary>
    public bool IsSynced => NodesSynced && PodsSynced;

    public bool NodesSynced { get; private set; }

    public bool PodsSynced { get; private set; }

    public IReadOnlyList<NodeCapacity> Nodes => _nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToList();

    public IReadOnlyList<V1Pod> Pods => _pods.Values.ToList();

    public IReadOnlySet<string> NodeNames => _nodes.Keys.ToHashSet(StringComparer.Ordinal);

    /// <summary>Nodes that are not ready, with when that began.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> NotReadyNodes =>
        _nodes.Values.Where(n => !n.Ready).ToDictionary(n => n.Name, n => n.NotReadySince ?? time.GetUtcNow(), StringComparer.Ordinal);

    /// <summary>A node watch event; <see cref="ResourceEventType.Synced"/> marks the node list complete.</summary>
    public void Apply(ResourceEvent<V1Node> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        switch (change.Type)
        {
            case ResourceEventType.Synced:
                NodesSynced = true;
                break;
            case ResourceEventType.Deleted:
                _nodes.TryRemove(change.Object!.Name(), out _);
                break;
            default:
                var updated = translator.Translate(change.Object!);
                var known = _nodes.TryGetValue(updated.Name, out var previous);
                if (!updated.Ready && updated.NotReadySince is null)
                {
                    // The node records no time: count from when this replica first saw it not ready.
                    updated = updated with { NotReadySince = known && !previous!.Ready ? previous.NotReadySince : time.GetUtcNow() };
                }

                var unchanged = known && SameForScheduling(previous!, updated);
                _nodes[updated.Name] = updated;
                if (unchanged)
                {
                    return;
                }

                break;
        }

        Changed?.Invoke();
    }

    /// <summary>A watch event of a pod we own; <see cref="ResourceEventType.Synced"/> marks the pod list complete.</summary>
    public void Apply(ResourceEvent<V1Pod> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        switch (change.Type)
        {
            case ResourceEventType.Synced:
                PodsSynced = true;
                break;
            case ResourceEventType.Deleted:
                _pods.TryRemove(Key(change.Object!), out _);
                break;
            default:
                _pods[Key(change.Object!)] = change.Object!;
                break;
        }

        Changed?.Invoke();
    }

    public IReadOnlyList<V1Pod> PodsOfJob(Guid jobId) => _pods.Values.Where(p => Scheduler.Operator.Pods.WorkloadLabels.JobIdOf(p.Metadata) == jobId).ToList();

    private static string Key(V1Pod pod) => $"{pod.Namespace()}/{pod.Name()}";

    private static bool SameForScheduling(NodeCapacity a, NodeCapacity b) =>
        a.GpuType == b.GpuType && a.Gpus == b.Gpus && a.CpuMilli == b.CpuMilli && a.MemoryMiB == b.MemoryMiB
        && a.Unschedulable == b.Unschedulable && a.Ready == b.Ready && a.Taints.SequenceEqual(b.Taints)
        && a.Labels.Count == b.Labels.Count && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}
