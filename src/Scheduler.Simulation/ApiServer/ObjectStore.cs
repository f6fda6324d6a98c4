using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Scheduler.Simulation.ApiServer;

/// <summary>A committed change: the object after it (with its new resourceVersion) and, for modifications, before it.</summary>
internal sealed record StoredEvent(long Revision, ApiResource Resource, string Type, JsonObject Object, JsonObject? Previous);

/// <summary>
/// The fake API server's storage: JSON objects per resource, one global, strictly increasing revision (the
/// resourceVersion), and a bounded history of changes for watches. A watch from a revision older than the oldest change
/// still kept is answered 410 Gone, as etcd compaction makes the real server do. All access goes through one lock.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ApiResource, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly Queue<StoredEvent> _history = new();
    private readonly List<WatchSubscription> _subscriptions = [];
    private readonly int _historyLimit;
    private long _revision;
    private long _compactedRevision;

    public ObjectStore(int historyLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(historyLimit, 1);
        _historyLimit = historyLimit;
    }

    public long Revision
    {
        get
        {
            lock (_gate)
            {
                return _revision;
            }
        }
    }

    /// <summary>Runs <paramref name="action"/> under the store's lock so that a read-modify-write is atomic.</summary>
    public T Transact<T>(Func<T> action)
    {
        lock (_gate)
        {
            return action();
        }
    }

    public static string Key(string? @namespace, string name) => $"{@namespace}/{name}";

    /// <summary>The stored object itself (callers inside <see cref="Transact{T}"/> must not change it; clone first).</summary>
    public JsonObject? Find(ApiResource resource, string? @namespace, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(resource, out var objects) && objects.TryGetValue(Key(@namespace, name), out var obj) ? obj : null;
        }
    }

    /// <summary>Copies of the matching objects, in name order, and the revision they are current at.</summary>
    public (List<JsonObject> Items, long Revision) List(ApiResource resource, string? @namespace, Selector selector)
    {
        lock (_gate)
        {
            var items = All(resource)
                .Where(o => @namespace is null || Namespace(o) == @namespace)
                .Where(selector.Matches)
                .Select(o => (JsonObject)o.DeepClone())
                .ToList();
            return (items, _revision);
        }
    }

    /// <summary>Stores <paramref name="obj"/> (added or replaced) under a new revision and tells the watchers.</summary>
    public JsonObject Put(ApiResource resource, JsonObject obj, string eventType)
    {
        lock (_gate)
        {
            var metadata = JsonPaths.Metadata(obj);
            var key = Key(metadata["namespace"]?.GetValue<string>(), metadata["name"]!.GetValue<string>());
            var objects = Objects(resource);
            objects.TryGetValue(key, out var previous);
            metadata["resourceVersion"] = (++_revision).ToString(CultureInfo.InvariantCulture);
            objects[key] = obj;
            // Events get their own fully built copy: watch writers read them on other threads.
            var copy = (JsonObject)obj.DeepClone();
            Record(new StoredEvent(_revision, resource, eventType, copy, previous));
            return (JsonObject)copy.DeepClone();
        }
    }

    /// <summary>Removes the object; the DELETED event carries it with a new revision.</summary>
    public JsonObject? Remove(ApiResource resource, string? @namespace, string name)
    {
        lock (_gate)
        {
            var objects = Objects(resource);
            if (!objects.Remove(Key(@namespace, name), out var removed))
            {
                return null;
            }

            var last = (JsonObject)removed.DeepClone();
            JsonPaths.Metadata(last)["resourceVersion"] = (++_revision).ToString(CultureInfo.InvariantCulture);
            Record(new StoredEvent(_revision, resource, "DELETED", last, removed));
            return (JsonObject)last.DeepClone();
        }
    }

    /// <summary>
    /// Starts a watch. Without <paramref name="fromRevision"/> (or with 0) the watch first reports every current object as
    /// ADDED; with one, it replays the kept changes after it, or throws 410 Gone when they are no longer kept.
    /// </summary>
    public WatchSubscription Subscribe(ApiResource resource, long? fromRevision)
    {
        lock (_gate)
        {
            List<StoredEvent> backlog;
            if (fromRevision is null or 0)
            {
                backlog = [.. All(resource).Select(o => new StoredEvent(_revision, resource, "ADDED", (JsonObject)o.DeepClone(), null))];
            }
            else if (fromRevision < _compactedRevision)
            {
                throw ApiError.Gone($"too old resource version: {fromRevision} ({_compactedRevision})");
            }
            else
            {
                backlog = [.. _history.Where(e => e.Revision > fromRevision && e.Resource == resource)];
            }

            var subscription = new WatchSubscription(this, resource, backlog);
            _subscriptions.Add(subscription);
            return subscription;
        }
    }

    /// <summary>Forgets every kept change, as an etcd compaction does: older resourceVersions then answer 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _compactedRevision = _revision;
        }
    }

    /// <summary>The revision before which changes are forgotten; a continue token or watch older than it is gone.</summary>
    public long CompactedRevision
    {
        get
        {
            lock (_gate)
            {
                return _compactedRevision;
            }
        }
    }

    internal void Unsubscribe(WatchSubscription subscription)
    {
        lock (_gate)
        {
            _subscriptions.Remove(subscription);
        }
    }

    private void Record(StoredEvent change)
    {
        _history.Enqueue(change);
        while (_history.Count > _historyLimit)
        {
            _compactedRevision = _history.Dequeue().Revision;
        }

        foreach (var subscription in _subscriptions)
        {
            if (subscription.Resource == change.Resource)
            {
                subscription.Offer(change);
            }
        }
    }

    private IEnumerable<JsonObject> All(ApiResource resource) => _objects.TryGetValue(resource, out var objects) ? objects.Values : [];

    private SortedDictionary<string, JsonObject> Objects(ApiResource resource)
    {
        if (!_objects.TryGetValue(resource, out var objects))
        {
            objects = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[resource] = objects;
        }

        return objects;
    }

    private static string? Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();
}

/// <summary>The changes one watch request will report, in revision order: first the backlog, then live ones.</summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly ObjectStore _store;
    private readonly Channel<StoredEvent> _channel = Channel.CreateUnbounded<StoredEvent>(new UnboundedChannelOptions { SingleReader = true });

    public WatchSubscription(ObjectStore store, ApiResource resource, IEnumerable<StoredEvent> backlog)
    {
        _store = store;
        Resource = resource;
        foreach (var change in backlog)
        {
            _channel.Writer.TryWrite(change);
        }
    }

    public ApiResource Resource { get; }

    public ChannelReader<StoredEvent> Reader => _channel.Reader;

    internal void Offer(StoredEvent change) => _channel.Writer.TryWrite(change);

    public void Dispose()
    {
        _store.Unsubscribe(this);
        _channel.Writer.TryComplete();
    }
}
