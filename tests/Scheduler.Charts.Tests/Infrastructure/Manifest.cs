using System.Text.Json.Nodes;

namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>One rendered Kubernetes object: its YAML text and its JSON form.</summary>
internal sealed record Manifest(string Text, JsonObject Json)
{
    public string ApiVersion => (string?)Json["apiVersion"] ?? "";

    public string Kind => (string?)Json["kind"] ?? "";

    public string Name => (string?)Json["metadata"]?["name"] ?? "";

    public string? Annotation(string key) => (string?)Json["metadata"]?["annotations"]?[key];

    public string? Label(string key) => (string?)Json["metadata"]?["labels"]?[key];

    /// <summary>The node at a dotted path with optional indexes (<c>spec.template.spec.containers[0]</c>); null when absent.</summary>
    public JsonNode? At(string path) => Json.At(path);

    public T Get<T>(string path) => At(path) is { } node ? node.GetValue<T>() : throw new KeyNotFoundException($"{Kind}/{Name} has no {path}");

    public override string ToString() => $"{Kind}/{Name}";
}

internal static class JsonPaths
{
    public static JsonNode? At(this JsonNode? node, string path)
    {
        foreach (var segment in path.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = bracket < 0 ? segment : segment[..bracket];
            if (name.Length > 0)
            {
                node = node is JsonObject obj ? obj[name] : null;
            }

            for (var rest = bracket < 0 ? "" : segment[bracket..]; rest.Length > 0;)
            {
                var close = rest.IndexOf(']', StringComparison.Ordinal);
                var index = int.Parse(rest[1..close], System.Globalization.CultureInfo.InvariantCulture);
                node = node is JsonArray array && index < array.Count ? array[index] : null;
                rest = rest[(close + 1)..];
            }
        }

        return node;
    }

    public static IEnumerable<string> Strings(this JsonNode? node) =>
        node is JsonArray array ? array.Select(n => (string?)n ?? "") : [];
}
