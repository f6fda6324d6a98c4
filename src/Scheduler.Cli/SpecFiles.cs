using System.Globalization;
using System.Text.Json.Nodes;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Cli;

/// <summary>
/// Reads a job spec written as JSON or YAML (the REST body's shape; a whole TrainingJob manifest is also taken: its
/// <c>spec</c>, named after <c>metadata.name</c> unless the spec names itself). YAML becomes JSON first so that one
/// strict parser reports unknown fields and wrong types by name.
/// </summary>
internal static class SpecFiles
{
    public static (JobSpec? Spec, FieldError? Error) Read(FileInfo file)
    {
        if (!file.Exists)
        {
            throw CliException.Usage($"{file.FullName}: no such file");
        }

        var text = File.ReadAllText(file.FullName);
        JsonNode? node;
        try
        {
            node = IsJson(file, text) ? JsonNode.Parse(text) : FromYaml(text);
        }
        catch (YamlException ex)
        {
            return (null, new FieldError("$", $"is not valid YAML at line {ex.Start.Line}: {ex.Message}"));
        }
        catch (System.Text.Json.JsonException ex)
        {
            return (null, JobSpecJson.DescribeJsonError(ex));
        }

        return JobSpecJson.Parse(Unwrap(node)?.ToJsonString() ?? "null");
    }

    private static bool IsJson(FileInfo file, string text) =>
        file.Extension.Equals(".json", StringComparison.OrdinalIgnoreCase) || text.TrimStart().StartsWith('{');

    /// <summary>A TrainingJob manifest (<c>kind</c> and <c>spec</c> at the top) gives its spec; a bare spec is itself.</summary>
    private static JsonNode? Unwrap(JsonNode? node)
    {
        if (node is not JsonObject manifest || !manifest.ContainsKey("kind") || manifest["spec"] is not JsonObject spec)
        {
            return node;
        }

        var inner = (JsonObject)spec.DeepClone();
        if (!inner.ContainsKey("name") && manifest["metadata"]?["name"] is JsonValue name)
        {
            inner["name"] = name.DeepClone();
        }

        return inner;
    }

    private static JsonNode? FromYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value ?? "", Convert(p.Value)))),
        YamlSequenceNode list => new JsonArray(list.Children.Select(Convert).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new YamlException(node.Start, node.End, "aliases and other YAML node kinds are not supported in a job spec"),
    };

    /// <summary>Plain scalars are typed the YAML 1.2 core way (null, booleans, numbers); quoted ones stay strings.</summary>
    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }

        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) => JsonValue.Create(whole),
            _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real) => JsonValue.Create(real),
            _ => JsonValue.Create(value),
        };
    }
}
