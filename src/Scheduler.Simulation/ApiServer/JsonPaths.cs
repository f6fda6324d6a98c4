using System.Text.Json;
using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>Dotted paths (<c>spec.resources.gpus</c>, with or without a leading dot) into JSON objects.</summary>
internal static class JsonPaths
{
    public static JsonNode? At(JsonObject obj, string path)
    {
        JsonNode? node = obj;
        foreach (var segment in path.TrimStart('.').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node is JsonObject o ? o[segment] : null;
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    public static string? StringAt(JsonObject obj, string path) => At(obj, path) switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var n => n.ToJsonString(),
    };

    /// <summary>A whole number however it was written (an int from our code, a long or double from parsed JSON).</summary>
    public static long? Long(JsonNode? node) => node is JsonValue v
        ? v.TryGetValue<long>(out var l) ? l : v.TryGetValue<int>(out var i) ? i : v.TryGetValue<double>(out var d) ? (long)d
        : v.TryGetValue<JsonElement>(out var e) && e.TryGetInt64(out var parsed) ? parsed : null
        : null;

    public static bool? Bool(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) ? b
        : node is JsonValue e && e.TryGetValue<JsonElement>(out var el) && el.ValueKind is JsonValueKind.True or JsonValueKind.False ? el.GetBoolean() : null;

    public static JsonObject Child(JsonObject parent, string name)
    {
        if (parent[name] is JsonObject existing)
        {
            return existing;
        }

        var created = new JsonObject();
        parent[name] = created;
        return created;
    }

    public static JsonObject Metadata(JsonObject obj) => Child(obj, "metadata");
}
