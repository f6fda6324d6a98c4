using System.Collections.Concurrent;
using k8s;
using k8s.Models;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// The operator's view of the cluster, kept in sync by watches: GPU nodes and the pods we own. Readers take consistent copies;
/// every relevant change raises <see cref="Changed"/> so the next cycle runs at once instead of waiting for its timer.
/// </summary>
public sealed class ClusterInventory(NodeTranslator translator)
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

    public void ReplaceNodes(IEnumerable<V1Node> nodes)
    {
        _nodes.Clear();
        foreach (var node in nodes)
        {
            _nodes[node.Name()] = translator.Translate(node);
        }

        NodesSynced = true;
        Changed?.Invoke();
    }

    public void ReplacePods(IEnumerable<V1Pod> pods)
    {
        _pods.Clear();
        foreach (var pod in pods)
        {
            _pods[Key(pod)] = pod;
        }

        PodsSynced = true;
        Changed?.Invoke();
    }

    public void Apply(WatchEventType type, V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (type == WatchEventType.Deleted)
        {
            _nodes.TryRemove(node.Name(), out _);
        }
        else if (type is WatchEventType.Added or WatchEventType.Modified)
        {
            var updated = translator.Translate(node);
            if (_nodes.TryGetValue(node.Name(), out var previous) && SameForScheduling(previous, updated))
            {
                _nodes[node.Name()] = updated;
                return;
            }

            _nodes[node.Name()] = updated;
        }
        else
        {
            return;
        }

        Changed?.Invoke();
    }

    public void Apply(WatchEventType type, V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (type == WatchEventType.Deleted)
        {
            _pods.TryRemove(Key(pod), out _);
        }
        else if (type is WatchEventType.Added or WatchEventType.Modified)
        {
            _pods[Key(pod)] = pod;
        }
        else
        {
            return;
        }

        Changed?.Invoke();
    }

    public IReadOnlyList<V1Pod> PodsOfJob(Guid jobId)
    {
        var id = jobId.ToString();
        return _pods.Values.Where(p => p.Metadata?.Labels?.TryGetValue(Scheduler.Operator.Pods.WorkloadLabels.JobId, out var v) == true && v == id).ToList();
    }

    private static string Key(V1Pod pod) => $"{pod.Namespace()}/{pod.Name()}";

    private static bool SameForScheduling(NodeCapacity a, NodeCapacity b) =>
        a.GpuType == b.GpuType && a.Gpus == b.Gpus && a.CpuMilli == b.CpuMilli && a.MemoryMiB == b.MemoryMiB
        && a.Unschedulable == b.Unschedulable && a.Ready == b.Ready && a.Taints.SequenceEqual(b.Taints)
        && a.Labels.Count == b.Labels.Count && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}
