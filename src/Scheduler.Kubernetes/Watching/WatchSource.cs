using k8s;
using k8s.Models;

namespace Scheduler.Kubernetes.Watching;

/// <summary>What a list call returned: the items and the list's resourceVersion to watch from.</summary>
public sealed record ListResult<T>(IReadOnlyList<T> Items, string? ResourceVersion);

/// <summary>
/// How to list and how to watch one kind of object. Watch errors that arrive as events (a <c>Status</c>, such as
/// 410 Gone) are handed to the error callback; transport failures are thrown.
/// </summary>
public sealed record WatchSource<T>(
    Func<CancellationToken, Task<ListResult<T>>> List,
    Func<string?, int?, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType Type, T Object)>> Watch);

/// <summary>Watch sources for the core objects the operator follows.</summary>
public static class WatchSources
{
    public static WatchSource<V1Node> Nodes(IKubernetes client, string? labelSelector = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new(
            async ct =>
            {
                var list = await client.CoreV1.ListNodeAsync(labelSelector: labelSelector, cancellationToken: ct);
                return new ListResult<V1Node>([.. list.Items], list.Metadata.ResourceVersion);
            },
            (rv, timeout, onError, ct) => client.CoreV1.WatchListNodeAsync(
                allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct));
    }

    /// <summary>Pods in <paramref name="namespace"/>, or in all namespaces when it is null.</summary>
    public static WatchSource<V1Pod> Pods(IKubernetes client, string? @namespace, string? labelSelector = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return new(
            async ct =>
            {
                var list = @namespace is null
                    ? await client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: ct)
                    : await client.CoreV1.ListNamespacedPodAsync(@namespace, labelSelector: labelSelector, cancellationToken: ct);
                return new ListResult<V1Pod>([.. list.Items], list.Metadata.ResourceVersion);
            },
            (rv, timeout, onError, ct) => @namespace is null
                ? client.CoreV1.WatchListPodForAllNamespacesAsync(
                    allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct)
                : client.CoreV1.WatchListNamespacedPodAsync(
                    @namespace, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: rv, timeoutSeconds: timeout, onError: onError, cancellationToken: ct));
    }
}
