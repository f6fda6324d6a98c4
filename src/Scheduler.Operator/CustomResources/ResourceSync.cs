using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Watching;

namespace Scheduler.Operator.CustomResources;

/// <summary>
/// The controller pattern for one custom resource: a <see cref="ResourceWatcher{T}"/> keeps a cache of the objects and
/// queues the keys whose change matters; a timer queues every unsettled object each <see cref="CustomResourceSyncOptions.ResyncInterval"/>;
/// one worker reconciles the queued keys one at a time, each in a DI scope of its own. A key is queued at most once at a
/// time, and a failed reconcile waits for the next resync rather than spinning.
/// </summary>
internal abstract class ResourceSync<TResource, TList> : BackgroundService
    where TResource : class, IKubernetesObject<V1ObjectMeta>
    where TList : class, IKubernetesObject<V1ListMeta>, IItems<TResource>
{
    private readonly ConcurrentDictionary<string, TResource> _current = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TResource> _deleted = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _queued = new(StringComparer.Ordinal);
    private readonly Channel<string> _work = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IServiceScopeFactory _scopes;

    protected ResourceSync(
        CustomResourceClient<TResource, TList> resources, IServiceScopeFactory scopes, TimeProvider time, CustomResourceSyncOptions options, ILogger logger)
    {
        Resources = resources;
        _scopes = scopes;
        Time = time;
        Options = options;
        Logger = logger;
    }

    protected CustomResourceClient<TResource, TList> Resources { get; }

    protected ILogger Logger { get; }

    protected TimeProvider Time { get; }

    protected CustomResourceSyncOptions Options { get; }

    protected abstract string Kind { get; }

    /// <summary>Whether a change seen by the watch needs a reconcile (our own status writes do not).</summary>
    protected abstract bool NeedsReconcile(TResource? previous, TResource current);

    /// <summary>Settled objects are left out of the periodic resync until they change again.</summary>
    protected abstract bool IsSettled(TResource resource);

    protected abstract Task ReconcileAsync(TResource resource, IServiceProvider services, CancellationToken cancellationToken);

    protected abstract Task DeletedAsync(TResource resource, IServiceProvider services, CancellationToken cancellationToken);

    protected static string Key(TResource resource) =>
        resource.Metadata.NamespaceProperty is { Length: > 0 } ns ? $"{ns}/{resource.Metadata.Name}" : resource.Metadata.Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watcher = new ResourceWatcher<TResource>(Resources.WatchSource(WatchNamespace), Time, Options.Watch, Logger);
        try
        {
            await Task.WhenAll(watcher.RunAsync(OnChangeAsync, stoppingToken), ResyncAsync(stoppingToken), WorkAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    protected virtual string? WatchNamespace => null;

    /// <summary>
    /// Remembers what the API answered to our own write of <paramref name="basis"/>, so the next comparison starts from
    /// it. Only while the cache still holds the version we wrote over: when the watch has meanwhile delivered a newer
    /// change (a user's edit made between our write and its answer), our answer is older than that and would hide the
    /// edit from every later comparison. An object whose deletion the watch reported meanwhile stays forgotten.
    /// </summary>
    protected TResource Remember(TResource basis, TResource updated)
    {
        ArgumentNullException.ThrowIfNull(basis);
        ArgumentNullException.ThrowIfNull(updated);
        var key = Key(updated);
        if (_current.TryGetValue(key, out var known)
            && known.Metadata.Uid == updated.Metadata.Uid
            && known.Metadata.ResourceVersion == basis.Metadata.ResourceVersion)
        {
            _current.TryUpdate(key, updated, known);
        }

        return updated;
    }

    /// <summary>
    /// Writes <paramref name="desired"/> through the status subresource when it differs from <paramref name="current"/>.
    /// A merge patch with every member we dropped set to null, so the status ends up exactly as desired; an object
    /// deleted meanwhile is not an error. The patch carries the resourceVersion it was computed from: the status of an
    /// object deleted and re-created under the same name meanwhile (by another replica's sync, or a user) must not get our
    /// answer for the old one. A 409 is no error either: the newer version reaches the cache through the watch, and its
    /// change or the resync reconciles it.
    /// </summary>
    protected async Task WriteStatusAsync(TResource resource, object? current, object desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var before = current is null ? null : KubernetesJson.Serialize(current);
        var after = KubernetesJson.Serialize(desired);
        if (before == after)
        {
            return;
        }

        var status = JsonNode.Parse(after)!.AsObject();
        if (before is not null)
        {
            foreach (var (member, _) in JsonNode.Parse(before)!.AsObject())
            {
                if (!status.ContainsKey(member))
                {
                    status[member] = null;
                }
            }
        }

        try
        {
            var patch = new JsonObject
            {
                ["metadata"] = new JsonObject { ["resourceVersion"] = resource.Metadata.ResourceVersion },
                ["status"] = status,
            };
            Remember(resource, await Resources.PatchStatusAsync(resource.Metadata.Name, resource.Metadata.NamespaceProperty, patch, cancellationToken));
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict)
        {
        }
    }

    private ValueTask OnChangeAsync(ResourceEvent<TResource> change, CancellationToken cancellationToken)
    {
        if (change.Object is not { } resource)
        {
            return ValueTask.CompletedTask; // Synced
        }

        var key = Key(resource);
        if (change.Type == ResourceEventType.Deleted)
        {
            _current.TryRemove(key, out _);
            _deleted[key] = resource;
            Enqueue(key);
        }
        else
        {
            _current.TryGetValue(key, out var previous);
            _current[key] = resource;
            if (NeedsReconcile(previous, resource))
            {
                Enqueue(key);
            }
        }

        return ValueTask.CompletedTask;
    }

    private async Task ResyncAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.ResyncInterval, Time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            foreach (var key in _deleted.Keys)
            {
                Enqueue(key);
            }

            foreach (var (key, resource) in _current)
            {
                if (!IsSettled(resource))
                {
                    Enqueue(key);
                }
            }
        }
    }

    private async Task WorkAsync(CancellationToken cancellationToken)
    {
        await foreach (var key in _work.Reader.ReadAllAsync(cancellationToken))
        {
            _queued.TryRemove(key, out _);
            await using var scope = _scopes.CreateAsyncScope();
            try
            {
                if (_deleted.TryRemove(key, out var gone))
                {
                    try
                    {
                        await DeletedAsync(gone, scope.ServiceProvider, cancellationToken);
                    }
                    catch
                    {
                        _deleted.TryAdd(key, gone);
                        throw;
                    }
                }

                if (_current.TryGetValue(key, out var resource))
                {
                    await ReconcileAsync(resource, scope.ServiceProvider, cancellationToken);
                }
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                // Whatever failed (API server, database, a bug) must not stop the other resources' sync.
                CustomResourceLog.ReconcileFailed(Logger, Kind, key, e);
            }
        }
    }

    private void Enqueue(string key)
    {
        if (_queued.TryAdd(key, 0))
        {
            _work.Writer.TryWrite(key);
        }
    }
}
