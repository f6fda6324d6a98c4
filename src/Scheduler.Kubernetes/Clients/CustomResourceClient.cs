using System.Net;
using System.Text.Json;
using System.Runtime.CompilerServices;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Scheduler.Kubernetes.Clients;

/// <summary>
/// Typed calls for one custom resource through the client's generic custom-object API. <c>namespace</c> is ignored for
/// cluster-scoped resources. Reads answer null for 404; other failures throw <see cref="HttpOperationException"/>.
/// </summary>
public sealed class CustomResourceClient<TResource, TList>
    where TResource : class, IKubernetesObject<V1ObjectMeta>
    where TList : class, IKubernetesObject<V1ListMeta>, IItems<TResource>
{
    private readonly IKubernetes _client;
    private readonly string _group;
    private readonly string _version;
    private readonly string _plural;

    public CustomResourceClient(IKubernetes client, string group, string version, string plural, bool namespaced)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _group = group;
        _version = version;
        _plural = plural;
        Namespaced = namespaced;
    }

    public bool Namespaced { get; }

    public async Task<TResource?> GetAsync(string name, string? @namespace, CancellationToken cancellationToken)
    {
        try
        {
            return Namespaced
                ? await _client.CustomObjects.GetNamespacedCustomObjectAsync<TResource>(_group, _version, Ns(@namespace), _plural, name, cancellationToken: cancellationToken)
                : await _client.CustomObjects.GetClusterCustomObjectAsync<TResource>(_group, _version, _plural, name, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>Lists the resources (all namespaces when <paramref name="namespace"/> is null).</summary>
    public Task<TList> ListAsync(string? @namespace, string? labelSelector = null, string? fieldSelector = null, CancellationToken cancellationToken = default) =>
        Namespaced && @namespace is not null
            ? _client.CustomObjects.ListNamespacedCustomObjectAsync<TList>(
                _group, _version, @namespace, _plural, fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: cancellationToken)
            : _client.CustomObjects.ListClusterCustomObjectAsync<TList>(
                _group, _version, _plural, fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: cancellationToken);

    public Task<TResource> CreateAsync(TResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Namespaced
            ? _client.CustomObjects.CreateNamespacedCustomObjectAsync<TResource>(resource, _group, _version, Ns(resource.Metadata.NamespaceProperty), _plural, cancellationToken: cancellationToken)
            : _client.CustomObjects.CreateClusterCustomObjectAsync<TResource>(resource, _group, _version, _plural, cancellationToken: cancellationToken);
    }

    /// <summary>Replaces the object; the server refuses with 409 when <c>metadata.resourceVersion</c> is stale. Status is ignored.</summary>
    public Task<TResource> ReplaceAsync(TResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Namespaced
            ? _client.CustomObjects.ReplaceNamespacedCustomObjectAsync<TResource>(resource, _group, _version, Ns(resource.Metadata.NamespaceProperty), _plural, resource.Metadata.Name, cancellationToken: cancellationToken)
            : _client.CustomObjects.ReplaceClusterCustomObjectAsync<TResource>(resource, _group, _version, _plural, resource.Metadata.Name, cancellationToken: cancellationToken);
    }

    /// <summary>Replaces only the status (the status subresource); 409 when <c>metadata.resourceVersion</c> is stale.</summary>
    public Task<TResource> ReplaceStatusAsync(TResource resource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        return Namespaced
            ? _client.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<TResource>(resource, _group, _version, Ns(resource.Metadata.NamespaceProperty), _plural, resource.Metadata.Name, cancellationToken: cancellationToken)
            : _client.CustomObjects.ReplaceClusterCustomObjectStatusAsync<TResource>(resource, _group, _version, _plural, resource.Metadata.Name, cancellationToken: cancellationToken);
    }

    /// <summary>Patches the object; <paramref name="patch"/> carries its type (merge, JSON patch).</summary>
    public Task<TResource> PatchAsync(string name, string? @namespace, V1Patch patch, CancellationToken cancellationToken) =>
        Namespaced
            ? _client.CustomObjects.PatchNamespacedCustomObjectAsync<TResource>(patch, _group, _version, Ns(@namespace), _plural, name, cancellationToken: cancellationToken)
            : _client.CustomObjects.PatchClusterCustomObjectAsync<TResource>(patch, _group, _version, _plural, name, cancellationToken: cancellationToken);

    /// <summary>Merge-patches the status subresource: <c>new { status = new { phase = "Running" } }</c>.</summary>
    public Task<TResource> PatchStatusAsync(string name, string? @namespace, object mergePatch, CancellationToken cancellationToken)
    {
        var patch = new V1Patch(mergePatch, V1Patch.PatchType.MergePatch);
        return Namespaced
            ? _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync<TResource>(patch, _group, _version, Ns(@namespace), _plural, name, cancellationToken: cancellationToken)
            : _client.CustomObjects.PatchClusterCustomObjectStatusAsync<TResource>(patch, _group, _version, _plural, name, cancellationToken: cancellationToken);
    }

    /// <summary>Deletes the object; false when it was already gone.</summary>
    public async Task<bool> DeleteAsync(string name, string? @namespace, CancellationToken cancellationToken)
    {
        try
        {
            if (Namespaced)
            {
                await _client.CustomObjects.DeleteNamespacedCustomObjectAsync(_group, _version, Ns(@namespace), _plural, name, cancellationToken: cancellationToken);
            }
            else
            {
                await _client.CustomObjects.DeleteClusterCustomObjectAsync(_group, _version, _plural, name, cancellationToken: cancellationToken);
            }

            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>A watch source for <see cref="Watching.ResourceWatcher{T}"/> over this resource (all namespaces when null).</summary>
    public Watching.WatchSource<TResource> WatchSource(string? @namespace = null, string? labelSelector = null) => new(
        async ct =>
        {
            var list = await ListAsync(@namespace, labelSelector, cancellationToken: ct);
            return new Watching.ListResult<TResource>([.. list.Items], list.Metadata.ResourceVersion);
        },
        (resourceVersion, timeoutSeconds, onError, ct) => Watch(@namespace, labelSelector, resourceVersion, timeoutSeconds, onError, ct));

    /// <summary>One watch request from <paramref name="resourceVersion"/>, with bookmarks; errors (410 Gone included) go to <paramref name="onError"/>.</summary>
    public async IAsyncEnumerable<(WatchEventType Type, TResource Object)> Watch(
        string? @namespace, string? labelSelector, string? resourceVersion, int? timeoutSeconds, Action<Exception> onError,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = Namespaced && @namespace is not null
            ? _client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                _group, _version, @namespace, _plural, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : _client.CustomObjects.WatchListClusterCustomObjectAsync(
                _group, _version, _plural, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion,
                timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, item) in events)
        {
            // The generic custom-object watch hands out untyped JSON; the client's own options type it.
            var typed = item switch
            {
                JsonElement element => KubernetesJson.Deserialize<TResource>(element),
                _ => KubernetesJson.Deserialize<TResource>(KubernetesJson.Serialize(item)),
            };
            yield return (type, typed);
        }
    }

    private static string Ns(string? @namespace) => string.IsNullOrEmpty(@namespace) ? "default" : @namespace;
}
