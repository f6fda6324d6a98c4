using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Scheduler.Simulation.Cluster;

/// <summary>The kubelet's backend over any API server, through <c>KubernetesClient</c> only: what kwok does on a real cluster.</summary>
internal sealed class ApiKubeletBackend(IKubernetes client, string kubeletName, TimeProvider time) : IKubeletBackend
{
    public TimeProvider Time => time;

    public async Task<IReadOnlyList<JsonObject>> ListNodesAsync(CancellationToken cancellationToken) =>
        (await client.CoreV1.ListNodeAsync(labelSelector: $"{ApiKubelet.KubeletLabel}={kubeletName}", cancellationToken: cancellationToken)).Items
            .Select(ToJson).ToList();

    public async Task<IReadOnlyList<JsonObject>> ListPodsAsync(IReadOnlySet<string> nodes, CancellationToken cancellationToken)
    {
        if (nodes.Count == 0)
        {
            return [];
        }

        // One list of every pod rather than one per node: field selectors cannot name several nodes.
        return (await client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: cancellationToken)).Items
            .Where(p => p.Spec?.NodeName is { } node && nodes.Contains(node))
            .Select(ToJson).ToList();
    }

    public async Task WriteStatusAsync(JsonObject pod, CancellationToken cancellationToken)
    {
        var typed = KubernetesJson.Deserialize<V1Pod>(pod.ToJsonString());
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(typed, typed.Name(), typed.Namespace(), cancellationToken: cancellationToken);
    }

    public Task DeleteAsync(string? @namespace, string name, CancellationToken cancellationToken) =>
        client.CoreV1.DeleteNamespacedPodAsync(name, @namespace ?? "default", gracePeriodSeconds: 0, cancellationToken: cancellationToken);

    public bool IsConflictOrGone(Exception error) =>
        error is HttpOperationException { Response.StatusCode: HttpStatusCode.Conflict or HttpStatusCode.NotFound };

    internal static JsonObject ToJson<T>(T resource) => JsonNode.Parse(KubernetesJson.Serialize(resource))!.AsObject();
}
