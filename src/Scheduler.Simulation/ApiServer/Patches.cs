using System.Globalization;
using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// The patch formats of PATCH requests. Strategic merge patch is applied as a JSON merge patch: lists are replaced, not
/// merged by key (enough for our resources, whose lists the operator always writes whole).
/// </summary>
internal static class Patches
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";
    public const string StrategicMergePatch = "application/strategic-merge-patch+json";
    public const string ApplyPatch = "application/apply-patch+yaml";

    public static JsonObject Apply(JsonObject target, string contentType, JsonNode? patch)
    {
        var mediaType = contentType.Split(';')[0].Trim().ToLowerInvariant();
        return mediaType switch
        {
            MergePatch or StrategicMergePatch => patch is JsonObject p
                ? (JsonObject)Merge(target.DeepClone(), p)!
                : throw ApiError.BadRequest("a merge patch must be a JSON object"),
            JsonPatch => patch is JsonArray ops ? ApplyJsonPatch(target, ops) : throw ApiError.BadRequest("a JSON patch must be an array of operations"),
            _ => throw ApiError.UnsupportedMediaType(contentType),
        };
    }

    /// <summary>RFC 7386: objects merge member by member, null removes, anything else replaces.</summary>
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject.ToList())
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var existing = result[name];
                var merged = Merge(existing, value);
                if (!ReferenceEquals(merged, existing))
                {
                    result[name] = merged;
                }
            }
        }

        return result;
    }

    /// <summary>RFC 6902: add, remove, replace, move, copy and test, on a copy of <paramref name="target"/>.</summary>
    public static JsonObject ApplyJsonPatch(JsonObject target, JsonArray operations)
    {
        JsonNode document = target.DeepClone();
        foreach (var operation in operations)
        {
            if (operation is not JsonObject op || op["op"]?.GetValue<string>() is not { } name || op["path"]?.GetValue<string>() is not { } path)
            {
                throw ApiError.BadRequest("each JSON patch operation needs 'op' and 'path'");
            }

            switch (name)
            {
                case "add":
                    document = Add(document, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(document, path);
                    break;
                case "replace":
                    Remove(document, path);
                    document = Add(document, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    var moved = Get(document, From(op));
                    Remove(document, From(op));
                    document = Add(document, path, moved);
                    break;
                case "copy":
                    document = Add(document, path, Get(document, From(op))?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(document, path), op["value"]))
                    {
                        throw new ApiError((System.Net.HttpStatusCode)422, "Invalid", $"the test operation on {path} failed");
                    }

                    break;
                default:
                    throw ApiError.BadRequest($"unknown JSON patch operation '{name}'");
            }
        }

        return document as JsonObject ?? throw ApiError.BadRequest("the patched document is not an object");
    }

    private static string From(JsonObject op) => op["from"]?.GetValue<string>() ?? throw ApiError.BadRequest("'from' is required for move and copy");

    private static List<string> Pointer(string path) =>
        path.Length == 0 ? [] : [.. path.TrimStart('/').Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal))];

    private static JsonNode? Get(JsonNode document, string path)
    {
        JsonNode? node = document;
        foreach (var token in Pointer(path))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(token) => o[token],
                JsonArray a when int.TryParse(token, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiError((System.Net.HttpStatusCode)422, "Invalid", $"the JSON patch path {path} does not exist"),
            };
        }

        return node;
    }

    private static JsonNode Add(JsonNode document, string path, JsonNode? value)
    {
        var tokens = Pointer(path);
        if (tokens.Count == 0)
        {
            return value ?? throw ApiError.BadRequest("cannot replace the whole document with null");
        }

        var parent = Get(document, ParentPath(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, CultureInfo.InvariantCulture, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiError((System.Net.HttpStatusCode)422, "Invalid", $"cannot add at {path}");
        }

        return document;
    }

    private static void Remove(JsonNode document, string path)
    {
        var tokens = Pointer(path);
        var parent = Get(document, ParentPath(tokens));
        var last = tokens[^1];
        var removed = parent switch
        {
            JsonObject o => o.Remove(last),
            JsonArray a when int.TryParse(last, CultureInfo.InvariantCulture, out var i) && i >= 0 && i < a.Count => RemoveAt(a, i),
            _ => false,
        };
        if (!removed)
        {
            throw new ApiError((System.Net.HttpStatusCode)422, "Invalid", $"the JSON patch path {path} does not exist");
        }
    }

    private static bool RemoveAt(JsonArray array, int index)
    {
        array.RemoveAt(index);
        return true;
    }

    private static string ParentPath(List<string> tokens) => tokens.Count <= 1 ? string.Empty : "/" + string.Join('/', tokens[..^1].Select(Escape));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
