using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// A committed change: the object after it (with its new resourceVersion) and, for modifications, before it. Both are shared,
/// never changed; <see cref="WatchLine"/> serialises the object once for every watcher that writes it.
/// </summary>
internal sealed record StoredEvent(long Revision, ApiResource Resource, string Type, JsonObject Object, JsonObject? Previous)
{
    private EncodedLine? _line;

    /// <summary>
    /// The watch line <c>{"type":…,"object":…}\n</c> in UTF-8, built once for every watcher that sends this event as
    /// <paramref name="type"/> (a selector can turn a modification into ADDED or DELETED for one watcher): each watcher used
    /// to build and encode its own copy of the object's JSON.
    /// </summary>
    public ReadOnlyMemory<byte> WatchLine(string type)
    {
        if (_line is { } line && line.Type == type)
        {
            return line.Bytes;
        }

        // Written as UTF-8 straight from the object: no string of the object's JSON, and none of the line, on the way.
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WritePropertyName("object");
            Object.WriteTo(writer);
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        var bytes = buffer.WrittenMemory.ToArray();
        _line = new EncodedLine(type, bytes); // a reference write: watchers on other threads see this line or the one before
        return bytes;
    }

    private sealed record EncodedLine(string Type, byte[] Bytes);
}

/// <summary>
/// The fake API server's storage: JSON objects per resource, one global, strictly increasing revision (the
/// resourceVersion), and a bounded history of changes for watches. A watch from a revision older than the oldest change
/// still kept is answered 410 Gone, as etcd compaction makes the real server do. All access goes through one lock, held only
/// for index lookups and reference copies: stored objects are never changed once stored, so lists filter and copy them after
/// the lock is released, and watchers are told through their own channels.
/// </summary>
internal sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ApiResource, ResourceTable> _objects = [];
    private readonly Queue<StoredEvent> _history = new();
    private readonly Dictionary<ApiResource, List<WatchSubscription>> _subscriptions = [];
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

    /// <summary>The stored object itself (never change it; clone first).</summary>
    public JsonObject? Find(ApiResource resource, string? @namespace, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(resource, out var objects) && objects.TryGet(Key(@namespace, name), out var obj) ? obj : null;
        }
    }

    /// <summary>Copies of the matching objects, in key order, and the revision they are current at.</summary>
    public (List<JsonObject> Items, long Revision) List(ApiResource resource, string? @namespace, Selector selector)
    {
        var (shared, revision) = ListShared(resource, @namespace, selector);
        return ([.. shared.Select(o => (JsonObject)o.DeepClone())], revision);
    }

    /// <summary>
    /// The matching stored objects themselves, in key order, for in-process readers that only read them (the simulated kubelet,
    /// the reaper): the lock is held while the indexes narrow the candidates, not while they are filtered.
    /// </summary>
    public (List<JsonObject> Items, long Revision) ListShared(ApiResource resource, string? @namespace, Selector selector)
    {
        List<JsonObject> candidates;
        long revision;
        lock (_gate)
        {
            candidates = _objects.TryGetValue(resource, out var objects) ? objects.Candidates(@namespace, selector) : [];
            revision = _revision;
        }

        return ([.. candidates.Where(o => (@namespace is null || Namespace(o) == @namespace) && selector.Matches(o))], revision);
    }

    /// <summary>The stored objects of <paramref name="resource"/> that carry a <c>deletionTimestamp</c> (the reaper's candidates).</summary>
    public List<JsonObject> Terminating(ApiResource resource)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(resource, out var objects)
                ? [.. objects.Terminating.Select(k => objects.TryGet(k, out var o) ? o : null).OfType<JsonObject>()]
                : [];
        }
    }

    /// <summary>
    /// Stores <paramref name="obj"/> itself (added or replaced) under a new revision and tells the watchers; returns it, stored:
    /// from here on it is shared with every reader and event and never changed (a later write stores a new object).
    /// </summary>
    public JsonObject Put(ApiResource resource, JsonObject obj, string eventType)
    {
        lock (_gate)
        {
            var metadata = JsonPaths.Metadata(obj);
            var key = Key(metadata["namespace"]?.GetValue<string>(), metadata["name"]!.GetValue<string>());
            var objects = Objects(resource);
            objects.TryGet(key, out var previous);
            metadata["resourceVersion"] = (++_revision).ToString(CultureInfo.InvariantCulture);
            // Stored, the object is never changed again; events and readers on other threads share it.
            Materialize(obj);
            objects.Set(key, obj);
            Record(new StoredEvent(_revision, resource, eventType, obj, previous));
            return obj;
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
                backlog = [.. All(resource).Select(o => new StoredEvent(_revision, resource, "ADDED", o, null))];
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
            if (!_subscriptions.TryGetValue(resource, out var watchers))
            {
                _subscriptions[resource] = watchers = [];
            }

            watchers.Add(subscription);
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
            if (_subscriptions.TryGetValue(subscription.Resource, out var watchers))
            {
                watchers.Remove(subscription);
            }
        }
    }

    private void Record(StoredEvent change)
    {
        _history.Enqueue(change);
        while (_history.Count > _historyLimit)
        {
            _compactedRevision = _history.Dequeue().Revision;
        }

        if (_subscriptions.TryGetValue(change.Resource, out var watchers))
        {
            foreach (var subscription in watchers)
            {
                subscription.Offer(change); // an unbounded channel: never waits on a slow client
            }
        }
    }

    private IEnumerable<JsonObject> All(ApiResource resource) => _objects.TryGetValue(resource, out var objects) ? objects.Values : [];

    private ResourceTable Objects(ApiResource resource)
    {
        if (!_objects.TryGetValue(resource, out var objects))
        {
            objects = new ResourceTable();
            _objects[resource] = objects;
        }

        return objects;
    }

    private static string? Namespace(JsonObject obj) => obj["metadata"]?["namespace"]?.GetValue<string>();

    /// <summary>
    /// Builds every lazily parsed object and array of the tree now, under the lock: a node parsed from a request body fills its
    /// members on first read, which two readers on different threads must not race to do.
    /// </summary>
    private static void Materialize(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    Materialize(child);
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    Materialize(child);
                }

                break;
        }
    }
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
