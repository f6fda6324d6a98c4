using System.Collections;
using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Crds;
using Scheduler.Kubernetes.Tests.Support;

namespace Scheduler.Kubernetes.Tests.Crds;

/// <summary>The CRD manifests and the C# spec records describe the same fields, with compatible types and enums.</summary>
public sealed class CrdSchemaTests
{
    [Fact]
    public void The_training_job_schema_matches_the_job_spec_records()
    {
        var spec = Spec(CustomResourceDefinitions.TrainingJobs);

        var problems = Compare(typeof(JobSpec), spec, "spec", skip: ["name"]);

        Assert.Empty(problems);
    }

    [Fact]
    public void The_gpu_queue_schema_matches_the_queue_spec_record()
    {
        var problems = Compare(typeof(QueueSpec), Spec(CustomResourceDefinitions.GpuQueues), "spec", skip: []);

        Assert.Empty(problems);
    }

    [Fact]
    public void The_training_job_status_schema_matches_the_status_record()
    {
        var status = CustomResourceDefinitions.TrainingJobs.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["status"];

        var names = typeof(Scheduler.Kubernetes.Resources.TrainingJobStatus).GetProperties().Select(p => JsonName(p.Name)).Order();

        Assert.Equal(names, status.Properties.Keys.Order());
        var progress = typeof(Scheduler.Kubernetes.Resources.TrainingJobProgress).GetProperties().Select(p => JsonName(p.Name)).Order();
        Assert.Equal(progress, status.Properties["progress"].Properties.Keys.Order());
    }

    [Theory]
    [InlineData("trainingjobs.yaml", "TrainingJob", "Namespaced", new[] { "Queue", "Phase", "GPUs", "Pred-GPU-Hours", "Age" })]
    [InlineData("gpuqueues.yaml", "GpuQueue", "Cluster", new[] { "Cohort", "Weight", "Age" })]
    public void The_manifests_are_plain_yaml_with_status_printer_columns_and_short_names(string file, string kind, string scope, string[] columns)
    {
        var text = File.ReadAllText(RepoPaths.Of("charts/gpu-scheduler/templates/crds/" + file));
        var crd = CustomResourceDefinitions.Parse(text);
        var version = Assert.Single(crd.Spec.Versions);

        Assert.DoesNotContain("{{", text);
        Assert.Equal(text, CustomResourceDefinitions.ReadYaml(file));
        Assert.Equal(kind, crd.Spec.Names.Kind);
        Assert.Equal(scope, crd.Spec.Scope);
        Assert.NotEmpty(crd.Spec.Names.ShortNames);
        Assert.NotNull(version.Subresources.Status);
        Assert.Subset(version.AdditionalPrinterColumns.Select(c => c.Name).ToHashSet(), columns.ToHashSet());
    }

    [Fact]
    public void The_cross_field_rules_are_cel_validations()
    {
        var spec = Spec(CustomResourceDefinitions.TrainingJobs);

        Assert.Contains(spec.XKubernetesValidations, v => v.Rule.Contains("self.parallelism.data *", StringComparison.Ordinal));
        Assert.Contains(spec.Properties["resources"].XKubernetesValidations, v => v.Rule == "!has(self.gpuMilli) || self.gpus == 1");
    }

    private static V1JSONSchemaProps Spec(V1CustomResourceDefinition crd) => crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"];

    private static List<string> Compare(Type type, V1JSONSchemaProps schema, string path, string[] skip)
    {
        var problems = new List<string>();
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).ToDictionary(p => JsonName(p.Name));
        foreach (var (name, property) in properties.Where(p => !skip.Contains(p.Key)))
        {
            if (schema.Properties?.TryGetValue(name, out var child) != true)
            {
                problems.Add($"{path}.{name} is in {type.Name} but not in the schema");
                continue;
            }

            problems.AddRange(CompareType(property.PropertyType, child!, $"{path}.{name}"));
        }

        foreach (var name in (schema.Properties?.Keys ?? []).Where(n => !properties.ContainsKey(n)))
        {
            problems.Add($"{path}.{name} is in the schema but not in {type.Name}");
        }

        return problems;
    }

    private static IEnumerable<string> CompareType(Type type, V1JSONSchemaProps schema, string path)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsEnum)
        {
            var values = type.GetFields(BindingFlags.Public | BindingFlags.Static)
                .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name).Order().ToList();
            return schema.Type == "string" && schema.EnumProperty?.Select(e => e.ToString()!).Order().SequenceEqual(values) == true
                ? [] : [$"{path}: enum {string.Join('|', values)} vs schema {schema.Type} {string.Join('|', schema.EnumProperty ?? [])}"];
        }

        var expected = type switch
        {
            _ when type == typeof(string) || type == typeof(DateTimeOffset) => "string",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(int) || type == typeof(long) => "integer",
            _ when type == typeof(double) => "number",
            _ when type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>) => "object",
            _ when typeof(IEnumerable).IsAssignableFrom(type) => "array",
            _ => "object",
        };
        if (schema.Type != expected)
        {
            return [$"{path}: {type.Name} is {expected} but the schema says {schema.Type}"];
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IReadOnlyDictionary<,>))
        {
            return schema.AdditionalProperties is null ? [$"{path}: a map needs additionalProperties"] : CompareType(type.GetGenericArguments()[1], ToSchema(schema.AdditionalProperties), path + ".*");
        }

        if (expected == "array")
        {
            return CompareType(type.GetGenericArguments()[0], schema.Items as V1JSONSchemaProps ?? ToSchema(schema.Items), path + "[]");
        }

        return expected == "object" ? Compare(type, schema, path, skip: []) : [];
    }

    private static V1JSONSchemaProps ToSchema(object value) =>
        value as V1JSONSchemaProps ?? k8s.KubernetesJson.Deserialize<V1JSONSchemaProps>(k8s.KubernetesJson.Serialize(value));

    private static string JsonName(string name) => char.ToLowerInvariant(name[0]) + name[1..];
}
