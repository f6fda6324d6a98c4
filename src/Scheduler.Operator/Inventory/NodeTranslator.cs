using k8s.Models;
using Scheduler.Domain.Catalog;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Inventory;

/// <summary>Reads what scheduling needs from a Node: allocatable GPUs/CPU/memory, the GPU model, labels, taints, cordon and readiness.</summary>
public sealed class NodeTranslator(GpuCatalog catalog, IReadOnlyDictionary<string, string>? productMapping = null)
{
    private readonly IReadOnlyDictionary<string, string> _productMapping = productMapping ?? new Dictionary<string, string>();

    public NodeCapacity Translate(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var labels = node.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
        var allocatable = node.Status?.Allocatable ?? new Dictionary<string, ResourceQuantity>();
        var gpus = allocatable.TryGetValue(WorkloadLabels.GpuResource, out var g) ? (int)g.ToInt64() : 0;
        var cpu = allocatable.TryGetValue("cpu", out var c) ? (long)Math.Floor(c.ToDecimal() * 1000) : 0;
        var memory = allocatable.TryGetValue("memory", out var m) ? (long)(m.ToDecimal() / (1024 * 1024)) : 0;
        var ready = node.Status?.Conditions?.Any(x => x.Type == "Ready" && x.Status == "True") ?? false;
        var taints = (node.Spec?.Taints ?? []).Select(t => new Core.Snapshots.Taint(t.Key, t.Value, t.Effect)).ToList();
        return new NodeCapacity(
            node.Metadata?.Name ?? string.Empty,
            gpus > 0 ? GpuTypeOf(labels) : null,
            gpus,
            cpu,
            memory,
            labels,
            taints,
            node.Spec?.Unschedulable ?? false,
            ready);
    }

    /// <summary>Configured mapping first (operators name their products), then the catalog's known product labels.</summary>
    private string? GpuTypeOf(IReadOnlyDictionary<string, string> labels)
    {
        if (!labels.TryGetValue(WorkloadLabels.GpuProductLabel, out var product))
        {
            return null;
        }

        return _productMapping.TryGetValue(product, out var mapped) ? mapped : catalog.FindByProductLabel(product)?.Name ?? product;
    }
}
