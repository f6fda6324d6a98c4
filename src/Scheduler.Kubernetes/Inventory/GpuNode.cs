using k8s.Models;
using Scheduler.Domain.Catalog;

namespace Scheduler.Kubernetes.Inventory;

/// <summary>
/// What the scheduler needs to know about one node, read from the Node object: its GPU type (the
/// <c>nvidia.com/gpu.product</c> label mapped through the catalog), allocatable GPUs, whether new pods may go there
/// (Ready, not cordoned, no NoSchedule/NoExecute taint) and its labels for topology constraints.
/// </summary>
public sealed record GpuNode(
    string Name,
    string? GpuType,
    int AllocatableGpus,
    bool Ready,
    bool Cordoned,
    bool Tainted,
    IReadOnlyDictionary<string, string> Labels)
{
    public const string GpuResource = "nvidia.com/gpu";
    public const string GpuProductLabel = "nvidia.com/gpu.product";

    /// <summary>True when pods may be placed on the node now.</summary>
    public bool Schedulable => Ready && !Cordoned && !Tainted && GpuType is not null && AllocatableGpus > 0;

    /// <summary>
    /// Reads the node; <paramref name="gpuProductLabel"/> and <paramref name="gpuResource"/> replace the NVIDIA defaults, and a
    /// NoSchedule/NoExecute taint for which <paramref name="tolerated"/> is true (the job pods' tolerations) does not count as tainted.
    /// </summary>
    public static GpuNode FromNode(
        V1Node node, GpuCatalog catalog, string gpuProductLabel = GpuProductLabel, string gpuResource = GpuResource, Func<V1Taint, bool>? tolerated = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(catalog);
        var labels = node.Metadata.Labels is { } l ? new Dictionary<string, string>(l, StringComparer.Ordinal) : [];
        var product = labels.GetValueOrDefault(gpuProductLabel);
        var gpus = node.Status?.Allocatable?.TryGetValue(gpuResource, out var quantity) == true ? (int)quantity.ToInt64() : 0;
        return new GpuNode(
            node.Metadata.Name,
            product is null ? null : catalog.FindByProductLabel(product)?.Name,
            gpus,
            node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true,
            node.Spec?.Unschedulable == true,
            node.Spec?.Taints?.Any(t => t.Effect is "NoSchedule" or "NoExecute" && tolerated?.Invoke(t) != true) == true,
            labels);
    }
}
