using k8s.Models;
using Scheduler.Domain.Catalog;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// Reads what scheduling needs from a Node: allocatable GPUs (the extended resource <paramref name="gpuResource"/>), CPU and
/// memory, the GPU model (the label <paramref name="gpuProductLabel"/>), labels, taints, cordon and readiness.
/// </summary>
public sealed class NodeTranslator(
    GpuCatalog catalog, IReadOnlyDictionary<string, string>? productMapping = null,
    string gpuProductLabel = WorkloadLabels.GpuProductLabel, string gpuResource = WorkloadLabels.GpuResource,
    TopologyLabels? topology = null)
{
    private readonly TopologyLabels _topology = topology ?? TopologyLabels.Default;

    /// <summary>The node lifecycle controller's taints for a node whose kubelet reports not ready, or stopped reporting.</summary>
    public const string NotReadyTaint = "node.kubernetes.io/not-ready";

    public const string UnreachableTaint = "node.kubernetes.io/unreachable";

    private readonly IReadOnlyDictionary<string, string> _productMapping = productMapping ?? new Dictionary<string, string>();

    /// <summary>The extended resource that counts whole GPUs, on nodes and in pods' requests.</summary>
    public string GpuResource => gpuResource;

    public NodeCapacity Translate(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var labels = node.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
        var allocatable = node.Status?.Allocatable ?? new Dictionary<string, ResourceQuantity>();
        var gpus = allocatable.TryGetValue(gpuResource, out var g) ? (int)g.ToInt64() : 0;
        var cpu = allocatable.TryGetValue("cpu", out var c) ? (long)Math.Floor(c.ToDecimal() * 1000) : 0;
        var memory = allocatable.TryGetValue("memory", out var m) ? (long)(m.ToDecimal() / (1024 * 1024)) : 0;
        var taints = (node.Spec?.Taints ?? []).Select(t => new Core.Snapshots.Taint(t.Key, t.Value, t.Effect)).ToList();
        var notReadySince = NotReadySince(node, out var ready);
        return new NodeCapacity(
            node.Metadata?.Name ?? string.Empty,
            gpus > 0 ? GpuTypeOf(labels) : null,
            gpus,
            cpu,
            memory,
            labels,
            taints,
            node.Spec?.Unschedulable ?? false,
            ready,
            notReadySince,
            _topology.Read(labels));
    }

    /// <summary>
    /// Not ready: the Ready condition is False or Unknown (or missing), or the node lifecycle controller tainted the node
    /// <c>node.kubernetes.io/not-ready</c> or <c>…/unreachable</c>. Since: the earliest of the condition's last transition and
    /// the taints' <c>timeAdded</c>; null when the node is ready or records no time (the inventory then uses when it first saw it).
    /// </summary>
    private static DateTimeOffset? NotReadySince(V1Node node, out bool ready)
    {
        var condition = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        var taints = (node.Spec?.Taints ?? []).Where(t => t.Key is NotReadyTaint or UnreachableTaint).ToList();
        var conditionDown = condition?.Status != "True";
        ready = !conditionDown && taints.Count == 0;
        if (ready)
        {
            return null;
        }

        var times = taints.Select(t => t.TimeAdded)
            .Append(conditionDown ? condition?.LastTransitionTime : null)
            .Where(t => t is not null)
            .Select(t => new DateTimeOffset(DateTime.SpecifyKind(t!.Value, DateTimeKind.Utc)))
            .ToList();
        return times.Count > 0 ? times.Min() : null;
    }

    /// <summary>Configured mapping first (operators name their products), then the catalog's known product labels.</summary>
    private string? GpuTypeOf(IReadOnlyDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(gpuProductLabel, out var product))
        {
            return null;
        }

        return _productMapping.TryGetValue(product, out var mapped) ? mapped : catalog.FindByProductLabel(product)?.Name ?? product;
    }
}
