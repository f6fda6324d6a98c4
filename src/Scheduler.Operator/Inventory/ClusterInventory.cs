using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Watching;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// The operator's view of the cluster, kept in sync by watches: GPU nodes, the pods we own, and apart from them the GPU pods of
/// other owners (<see cref="ForeignPods"/>), which only take capacity: the reconciler and the orphan finder never see them.
/// Readers take consistent copies; every relevant change raises <see cref="Changed"/> so the next cycle runs at once instead
/// of waiting for its timer.
/// </summary>
public sealed class ClusterInventory(NodeTranslator translator, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, NodeCapacity> _nodes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, V1Pod> _pods = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ForeignPod> _foreign = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (JobPodPlacement Holds, long At)> _unseenDeletions = new(StringComparer.Ordinal);

    public event Action? Changed;

    /// <summary>True once the node list, our pods and the other owners' pods have each been read at least once.</summary>
    public bool IsSynced => NodesSynced && PodsSynced && ForeignPodsSynced;

    public bool NodesSynced { get; private set; }

    public bool PodsSynced { get; private set; }

    public bool ForeignPodsSynced { get; private set; }

    public IReadOnlyList<NodeCapacity> Nodes => _nodes.Values.OrderBy(n => n.Name, StringComparer.Ordinal).ToList();

    public IReadOnlyList<V1Pod> Pods => _pods.Values.ToList();

    /// <summary>Pods of other owners bound to a node, not ended, that request GPUs: capacity we must not hand out.</summary>
    public IReadOnlyList<ForeignPod> ForeignPods => _foreign.Values.OrderBy(p => p.Node, StringComparer.Ordinal).ThenBy(p => p.Namespace, StringComparer.Ordinal)
        .ThenBy(p => p.Name, StringComparer.Ordinal).ToList();

    /// <summary>The node's rack label (null: unknown node or unlabelled).</summary>
    public string? RackOf(string node) => _nodes.TryGetValue(node, out var capacity) ? capacity.Topology?.Rack : null;

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
                _unseenDeletions.TryRemove(Key(change.Object!), out _);
                break;
            default:
                _pods[Key(change.Object!)] = change.Object!;
                // From here on the pod itself says what it holds (terminating pods count until they end).
                _unseenDeletions.TryRemove(Key(change.Object!), out _);
                break;
        }

        Changed?.Invoke();
    }

    /// <summary>
    /// We are deleting a pod of ours by name that the watch has not shown (true; false when the watch shows it and so already
    /// accounts for it): until the watch shows it, <see cref="UnseenDeletions"/> counts the GPUs of <paramref name="holds"/>, as a
    /// graceful stop may keep them for its grace period.
    /// </summary>
    public bool ExpectDeletion(string @namespace, string name, JobPodPlacement holds)
    {
        var key = Key(@namespace, name);
        if (_pods.ContainsKey(key))
        {
            return false;
        }

        _unseenDeletions[key] = (holds, time.GetTimestamp());
        return true;
    }

    /// <summary>The pod <see cref="ExpectDeletion"/> named did not exist: it holds nothing.</summary>
    public void ForgetDeletion(string @namespace, string name) => _unseenDeletions.TryRemove(Key(@namespace, name), out _);

    /// <summary>
    /// What the pods we deleted before the watch showed them hold, for at most <paramref name="watchLag"/> after the deletion
    /// (as long as the operator trusts a lagging watch elsewhere: <c>PodCreationPipeline.WatchLag</c>).
    /// </summary>
    public IReadOnlyList<JobPodPlacement> UnseenDeletions(TimeSpan watchLag)
    {
        var held = new List<JobPodPlacement>();
        foreach (var (key, deletion) in _unseenDeletions)
        {
            if (time.GetElapsedTime(deletion.At) >= watchLag)
            {
                _unseenDeletions.TryRemove(key, out _);
            }
            else
            {
                held.Add(deletion.Holds);
            }
        }

        return held;
    }

    /// <summary>
    /// A watch event of a pod of any owner (the watch of every pod); <see cref="ResourceEventType.Synced"/> marks that list
    /// complete. Our own pods are skipped (they arrive through <see cref="Apply(ResourceEvent{V1Pod})"/>); a pod that ends,
    /// leaves its node or stops requesting GPUs is dropped. Only a change to what foreign pods hold raises <see cref="Changed"/>.
    /// </summary>
    public void ApplyForeign(ResourceEvent<V1Pod> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Type == ResourceEventType.Synced)
        {
            ForeignPodsSynced = true;
            Changed?.Invoke();
            return;
        }

        // ForeignPod.Of is null for our own pods too: one that took our label since is dropped here.
        var pod = change.Object!;
        var key = Key(pod);
        var holds = change.Type == ResourceEventType.Deleted ? null : ForeignPod.Of(pod, translator.GpuResource);
        bool changed;
        if (holds is null)
        {
            changed = _foreign.TryRemove(key, out _);
        }
        else
        {
            changed = !_foreign.TryGetValue(key, out var previous) || previous != holds;
            _foreign[key] = holds;
        }

        if (changed)
        {
            Changed?.Invoke();
        }
    }

    public IReadOnlyList<V1Pod> PodsOfJob(JobId jobId) => _pods.Values.Where(p => Scheduler.Operator.Pods.WorkloadLabels.JobIdOf(p.Metadata) == jobId).ToList();

    private static string Key(V1Pod pod) => Key(pod.Namespace(), pod.Name());

    private static string Key(string? @namespace, string name) => $"{@namespace}/{name}";

    private static bool SameForScheduling(NodeCapacity a, NodeCapacity b) =>
        a.GpuType == b.GpuType && a.Gpus == b.Gpus && a.CpuMilli == b.CpuMilli && a.MemoryMiB == b.MemoryMiB
        && a.Unschedulable == b.Unschedulable && a.Ready == b.Ready && a.Taints.SequenceEqual(b.Taints)
        && a.Labels.Count == b.Labels.Count && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out var v) && v == l.Value);
}
