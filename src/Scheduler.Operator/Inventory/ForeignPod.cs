using k8s;
using k8s.Models;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// A pod we did not create (another scheduler's, or the default scheduler's) that holds GPUs on a node: bound
/// (<c>spec.nodeName</c> set), not ended, and requesting the GPU resource. Its requests are what the kubelet counts
/// against the node's allocatable: per resource the larger of the containers' sum and the largest init container, each
/// container's request, or its limit when it names no request.
/// </summary>
public sealed record ForeignPod(string Namespace, string Name, string Node, int Gpus, long CpuMilli, long MemoryMiB)
{
    /// <summary>The pod's hold on its node; null when it is ours, not bound, ended, or requests no <paramref name="gpuResource"/>.</summary>
    public static ForeignPod? Of(V1Pod pod, string gpuResource)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (WorkloadLabels.IsManaged(pod.Metadata) || pod.Spec?.NodeName is not { Length: > 0 } node || pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return null;
        }

        var gpus = (int)Math.Ceiling(Request(pod.Spec, gpuResource));
        if (gpus <= 0)
        {
            return null;
        }

        var cpu = (long)Math.Ceiling(Request(pod.Spec, "cpu") * 1000);
        var memory = (long)Math.Ceiling(Request(pod.Spec, "memory") / (1024 * 1024));
        return new ForeignPod(pod.Namespace() ?? string.Empty, pod.Name() ?? string.Empty, node, gpus, cpu, memory);
    }

    private static decimal Request(V1PodSpec spec, string resource)
    {
        var containers = (spec.Containers ?? []).Sum(c => Request(c, resource));
        var init = (spec.InitContainers ?? []).Select(c => Request(c, resource)).DefaultIfEmpty(0).Max();
        return Math.Max(containers, init);
    }

    private static decimal Request(V1Container container, string resource) =>
        container.Resources?.Requests?.TryGetValue(resource, out var request) == true ? request.ToDecimal()
        : container.Resources?.Limits?.TryGetValue(resource, out var limit) == true ? limit.ToDecimal()
        : 0;
}
