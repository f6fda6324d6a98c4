using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// The stored objects of one resource, by key (<c>namespace/name</c>, in ordinal order), with the indexes that spare a full scan:
/// by namespace, by every label (<c>key=value</c>), by <c>spec.nodeName</c>, and the set of objects being deleted (the reaper's).
/// Stored objects are never changed after they are stored (a write stores a new object), so references handed out under the
/// store's lock may be read after it is released. Not thread-safe: <see cref="ObjectStore"/> holds its lock around every call.
/// </summary>
internal sealed class ResourceTable
{
    public const string NodeNameField = "spec.nodeName";

    private readonly SortedDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _byNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Key, string Value), HashSet<string>> _byLabel = [];
    private readonly Dictionary<string, HashSet<string>> _byNodeName = new(StringComparer.Ordinal);
    private readonly HashSet<string> _terminating = new(StringComparer.Ordinal);

    public int Count => _objects.Count;

    public IEnumerable<JsonObject> Values => _objects.Values;

    /// <summary>Keys of the objects with a <c>deletionTimestamp</c>.</summary>
    public IReadOnlyCollection<string> Terminating => _terminating;

    public bool TryGet(string key, out JsonObject obj) => _objects.TryGetValue(key, out obj!);

    public void Set(string key, JsonObject obj)
    {
        if (_objects.Remove(key, out var previous))
        {
            Unindex(key, previous);
        }

        _objects[key] = obj;
        Index(key, obj);
    }

    public bool Remove(string key, out JsonObject removed)
    {
        if (!_objects.Remove(key, out removed!))
        {
            return false;
        }

        Unindex(key, removed);
        return true;
    }

    /// <summary>
    /// The stored objects that may match: those of <paramref name="namespace"/> and of the selector's most selective equality
    /// requirement, in key order. A superset of the matches; the caller still applies the selector.
    /// </summary>
    public List<JsonObject> Candidates(string? @namespace, Selector selector)
    {
        HashSet<string>? narrowest = null;
        void Narrow(HashSet<string>? keys)
        {
            keys ??= [];
            if (narrowest is null || keys.Count < narrowest.Count)
            {
                narrowest = keys;
            }
        }

        if (@namespace is not null)
        {
            Narrow(_byNamespace.GetValueOrDefault(@namespace));
        }

        foreach (var (isLabel, key, value) in selector.Equalities)
        {
            if (isLabel)
            {
                Narrow(_byLabel.GetValueOrDefault((key, value)));
            }
            else if (key.TrimStart('.') == NodeNameField)
            {
                Narrow(_byNodeName.GetValueOrDefault(value));
            }
        }

        if (narrowest is null || narrowest.Count * 4 > _objects.Count)
        {
            return [.. _objects.Values]; // a scan in key order is as cheap as sorting most of the keys
        }

        var keys = narrowest.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        return [.. keys.Select(k => _objects[k])];
    }

    private void Index(string key, JsonObject obj)
    {
        foreach (var (set, item) in Entries(obj))
        {
            switch (set)
            {
                case 0:
                    Add(_byNamespace, (string)item, key);
                    break;
                case 1:
                    Add(_byLabel, ((string, string))item, key);
                    break;
                case 2:
                    Add(_byNodeName, (string)item, key);
                    break;
                default:
                    _terminating.Add(key);
                    break;
            }
        }
    }

    private void Unindex(string key, JsonObject obj)
    {
        foreach (var (set, item) in Entries(obj))
        {
            switch (set)
            {
                case 0:
                    Remove(_byNamespace, (string)item, key);
                    break;
                case 1:
                    Remove(_byLabel, ((string, string))item, key);
                    break;
                case 2:
                    Remove(_byNodeName, (string)item, key);
                    break;
                default:
                    _terminating.Remove(key);
                    break;
            }
        }
    }

    /// <summary>What an object is indexed under: 0 namespace, 1 label, 2 node name, 3 terminating.</summary>
    private static IEnumerable<(int Set, object Item)> Entries(JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject;
        if (metadata?["namespace"]?.GetValue<string>() is { } ns)
        {
            yield return (0, ns);
        }

        if (metadata?["labels"] is JsonObject labels)
        {
            foreach (var (key, value) in labels)
            {
                if (value is JsonValue v)
                {
                    yield return (1, (key, v.ToString())); // as Selector reads labels
                }
            }
        }

        yield return (2, JsonPaths.StringAt(obj, NodeNameField) ?? string.Empty); // as a field selector reads it
        if (metadata?["deletionTimestamp"] is not null)
        {
            yield return (3, string.Empty);
        }
    }

    private static void Add<T>(Dictionary<T, HashSet<string>> index, T item, string key)
        where T : notnull
    {
        if (!index.TryGetValue(item, out var keys))
        {
            index[item] = keys = new HashSet<string>(StringComparer.Ordinal);
        }

        keys.Add(key);
    }

    private static void Remove<T>(Dictionary<T, HashSet<string>> index, T item, string key)
        where T : notnull
    {
        if (index.TryGetValue(item, out var keys) && keys.Remove(key) && keys.Count == 0)
        {
            index.Remove(item);
        }
    }
}
