using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// Server-side printing: answers <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c> with a <c>Table</c> whose
/// columns are the CRD's printer columns (or the built-in ones), so <c>kubectl get</c> shows them.
/// </summary>
internal static class TableConverter
{
    public static bool Wants(string? accept) => accept?.Contains("as=Table", StringComparison.Ordinal) == true;

    public static JsonObject Convert(ApiResource resource, IEnumerable<JsonObject> objects, long revision, string? includeObject, DateTimeOffset now)
    {
        var columns = new List<PrinterColumn> { new("Name", "string", "metadata.name", Format: "name") };
        columns.AddRange(resource.Columns.Count > 0 ? resource.Columns : [new PrinterColumn("Age", "date", "metadata.creationTimestamp")]);
        var definitions = new JsonArray([.. columns.Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c.Name,
            ["type"] = c.Type,
            ["format"] = c.Format ?? string.Empty,
            ["description"] = c.JsonPath is null ? c.Name : $"{c.Name} ({c.JsonPath})",
            ["priority"] = c.Priority,
        })]);
        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray([.. columns.Select(c => Cell(c, obj, now))]);
            var row = new JsonObject { ["cells"] = cells };
            var rowObject = RowObject(obj, includeObject);
            if (rowObject is not null)
            {
                row["object"] = rowObject;
            }

            rows.Add(row);
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static JsonObject? RowObject(JsonObject obj, string? includeObject) => includeObject switch
    {
        "None" => null,
        "Object" => (JsonObject)obj.DeepClone(),
        _ => new JsonObject
        {
            ["kind"] = "PartialObjectMetadata",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = obj["metadata"]?.DeepClone(),
        },
    };

    private static JsonNode? Cell(PrinterColumn column, JsonObject obj, DateTimeOffset now)
    {
        var value = column.Compute is not null ? column.Compute(obj, now) : column.JsonPath is null ? null : JsonPaths.At(obj, column.JsonPath)?.DeepClone();
        if (column.Type == "date" && value is JsonValue v && v.TryGetValue<string>(out var text))
        {
            return HumanDuration(now - ResourceOperations.ParseTimestamp(text));
        }

        return value ?? (column.Type is "integer" or "number" ? null : (JsonNode)"<none>");
    }

    /// <summary>The age format of kubectl (k8s.io/apimachinery duration.HumanDuration).</summary>
    public static string HumanDuration(TimeSpan age)
    {
        var seconds = (long)age.TotalSeconds;
        if (seconds < -1)
        {
            return "<invalid>";
        }

        if (seconds < 0)
        {
            return "0s";
        }

        if (seconds < 120)
        {
            return $"{seconds}s";
        }

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var rest = seconds % 60;
            return rest == 0 ? $"{minutes}m" : $"{minutes}m{rest}s";
        }

        if (minutes < 180)
        {
            return $"{minutes}m";
        }

        var hours = minutes / 60;
        if (hours < 8)
        {
            var rest = minutes % 60;
            return rest == 0 ? $"{hours}h" : $"{hours}h{rest}m";
        }

        if (hours < 48)
        {
            return $"{hours}h";
        }

        if (hours < 24 * 8)
        {
            var rest = hours % 24;
            return rest == 0 ? $"{hours / 24}d" : $"{hours / 24}d{rest}h";
        }

        return hours < 24 * 365 * 2 ? $"{hours / 24}d" : $"{hours / 24 / 365}y";
    }
}
