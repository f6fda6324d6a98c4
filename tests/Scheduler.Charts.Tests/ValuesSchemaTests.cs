using System.Text.Json.Nodes;
using Scheduler.Charts.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Scheduler.Charts.Tests;

/// <summary>values.schema.json refuses bad values before anything renders.</summary>
public sealed class ValuesSchemaTests(ChartTools tools)
{
    public static TheoryData<string, string> BadValues { get; } = new()
    {
        { "replicaCount=0", "replicaCount: Must be greater than or equal to 1" },
        { "replicaCount=two", "replicaCount: Invalid type. Expected: integer" },
        { "postgresql.enabled=yes", "postgresql.enabled: Invalid type. Expected: boolean" },
        { "replicas=2", "Additional property replicas is not allowed" },
        { "securityContext.allowPrivilegeEscalation=true", "securityContext.allowPrivilegeEscalation" },
        { "podSecurityContext.runAsNonRoot=false", "podSecurityContext.runAsNonRoot" },
        { "service.type=ExternalName", "service.type: service.type must be one of the following" },
        { "scheduler.intervals.schedulingCycle=1s", "scheduler.intervals.schedulingCycle: Does not match pattern" },
        { "scheduler.priorityClasses.urgent=high", "scheduler.priorityClasses.urgent: Invalid type. Expected: integer" },
        { "scheduler.policy.placement=random", "scheduler.policy.placement" },
        { "scheduler.gpuCatalog.X1.memoryGiB=-1", "scheduler.gpuCatalog.X1.memoryGiB: Must be greater than 0" },
        { "scheduler.gpuCatalog.H100-SXM.defaultMfu=2", "scheduler.gpuCatalog.H100-SXM.defaultMfu: Must be less than or equal to 1" },
        { "scheduler.gpuCatalog.H100-SXM.tflops=1", "Additional property tflops is not allowed" },
        { "image.digest=latest", "image.digest: Does not match pattern" },
        { "postgresql.persistence.size=lots", "postgresql.persistence.size: Does not match pattern" },
        { "containerPort=80", "containerPort: Must be greater than or equal to 1024" },
        { "scheduler.nodeLabels.topology[0]=topology.kubernetes.io/zone", "Additional property topology is not allowed" },
        { "scheduler.tolerations[0].operator=Gte", "scheduler.tolerations.0.operator" },
        { "scheduler.tolerations[0].tolerationSeconds=60", "Additional property tolerationSeconds is not allowed" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public async Task Schema_rejects_the_value_and_names_it(string setting, string message)
    {
        var error = await tools.Renderer.RenderFailureAsync(ValueSet.Default, "--set", setting);

        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_value_in_values_yaml_is_described_by_the_schema()
    {
        var schema = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Chart, "values.schema.json")))!;
        var values = new YamlStream();
        values.Load(new StringReader(File.ReadAllText(Path.Combine(RepoPaths.Chart, "values.yaml"))));

        var undescribed = Leaves(YamlDocuments.ToJson(values.Documents[0].RootNode), "")
            .Where(path => Describe(schema, path) is null)
            .ToList();

        Assert.True(undescribed.Count == 0, "values.yaml keys without a schema: " + string.Join(", ", undescribed));
    }

    /// <summary>Object keys down to the first non-object, as dotted paths.</summary>
    private static IEnumerable<string> Leaves(JsonNode? node, string prefix) =>
        node is JsonObject obj && obj.Count > 0
            ? obj.SelectMany(kv => Leaves(kv.Value, prefix.Length == 0 ? kv.Key : $"{prefix}.{kv.Key}"))
            : [prefix];

    /// <summary>The schema that describes a dotted path through `properties`, or a typed `additionalProperties`; null when none does.</summary>
    private static JsonNode? Describe(JsonNode schema, string path)
    {
        JsonNode? current = schema;
        foreach (var key in path.Split('.'))
        {
            current = current?["properties"]?[key] ?? (current?["additionalProperties"] is JsonObject typed ? typed : null);
        }

        return current?["type"] is not null || current?["const"] is not null || current?["anyOf"] is not null ? current : null;
    }
}
