using k8s;
using k8s.Models;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Catalog;
using Scheduler.Kubernetes.Inventory;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// The cluster read from the Kubernetes API on each call: nodes with GPUs (type through the catalog, as the inventory
/// reads them) and the pods we manage (labels and GPU annotations written by <see cref="PodFactory"/>). It sits beside the
/// inventory so that taints are matched with the tolerations placement uses, and the API host needs no scheduling core.
/// </summary>
public sealed class KubernetesClusterView(
    IKubernetes kubernetes, GpuCatalog catalog, NodeLabelOptions? labels = null, IReadOnlyList<TolerationSetting>? tolerations = null) : IClusterView
{
    private readonly NodeLabelOptions _labels = labels ?? new NodeLabelOptions();
    private readonly TopologyLabels _topology = (labels ?? new NodeLabelOptions()).Topology();
    private readonly IReadOnlyList<Core.Snapshots.Toleration> _tolerations = (tolerations ?? []).Select(t => t.ToCore()).ToList();

    public async ValueTask<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        var nodes = await kubernetes.CoreV1.ListNodeAsync(cancellationToken: cancellationToken);
        var pods = await kubernetes.CoreV1.ListPodForAllNamespacesAsync(labelSelector: WorkloadLabels.ManagedSelector, cancellationToken: cancellationToken);
        return new ClusterSnapshot(
            nodes.Items.Select(n => GpuNode.FromNode(n, catalog, _labels.GpuProduct, _labels.GpuResource, Tolerated)).Where(n => n.AllocatableGpus > 0)
                .Select(n => new ClusterNode(n.Name, n.GpuType ?? "unknown", n.AllocatableGpus, n.Ready, !n.Cordoned && !n.Tainted, Domains(n.Labels)))
                .ToList(),
            pods.Items.Select(ToClusterPod).OfType<ClusterPod>().ToList());
    }

    private NodeDomains? Domains(IReadOnlyDictionary<string, string> labels) =>
        _topology.Read(labels) is { } t ? new NodeDomains(t.Zone, t.Block, t.Rack, t.Clique) : null;

    /// <summary>A taint the job pods tolerate leaves the node open to them, as placement sees it.</summary>
    private bool Tolerated(V1Taint taint) => _tolerations.Any(t => t.Tolerates(new Core.Snapshots.Taint(taint.Key, taint.Value, taint.Effect)));

    /// <summary>Null for a pod without a parseable job id (not one of ours after all).</summary>
    internal static ClusterPod? ToClusterPod(V1Pod pod) =>
        WorkloadLabels.JobIdOf(pod.Metadata) is { } jobId
            ? new ClusterPod(pod.Metadata.Name, jobId.Value, pod.Spec?.NodeName, WorkloadLabels.GpuIndicesOf(pod.Metadata), WorkloadLabels.GpuMilliOf(pod.Metadata), pod.Status?.Phase ?? "Pending")
            : null;
}
