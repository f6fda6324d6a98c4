using k8s;
using Scheduler.Charts.Tests.Infrastructure;
using YamlDotNet.Core;

namespace Scheduler.Charts.Tests;

/// <summary>Every rendered object is valid for the Kubernetes API, checked offline two ways.</summary>
public sealed class ManifestSchemaTests(ChartTools tools)
{
    [Theory]
    [MemberData(nameof(ValueSet.Names), MemberType = typeof(ValueSet))]
    public async Task Every_rendered_object_matches_the_Kubernetes_OpenAPI_schema(string valueSet)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);

        var results = await ManifestValidator.ValidateTextAsync(tools, chart.Yaml);

        Assert.Equal(chart.Manifests.Count, results.Count);
        var invalid = results.Where(r => r.Errors.Count > 0).ToList();
        Assert.True(invalid.Count == 0, "Invalid manifests:\n" + string.Join('\n', invalid));
    }

    [Theory]
    [MemberData(nameof(ValueSet.Names), MemberType = typeof(ValueSet))]
    public async Task No_built_in_object_carries_an_unknown_or_misspelt_field(string valueSet)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);
        var customKinds = chart.OfKind("CustomResourceDefinition")
            .Select(crd => $"{crd.At("spec.group")}/{crd.At("spec.names.kind")}")
            .ToHashSet();
        var builtIn = chart.Manifests
            .Where(m => !m.ApiVersion.StartsWith("monitoring.coreos.com/", StringComparison.Ordinal))
            .Where(m => !customKinds.Contains($"{m.ApiVersion.Split('/')[0]}/{m.Kind}"))
            .ToList();

        var problems = new List<string>();
        foreach (var manifest in builtIn)
        {
            try
            {
                KubernetesYaml.LoadAllFromString(manifest.Text, strict: true);
            }
            catch (YamlException e)
            {
                problems.Add($"{manifest}: {e.Message} {e.InnerException?.Message}");
            }
        }

        Assert.NotEmpty(builtIn);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public async Task The_validator_reports_wrong_types_bad_enums_and_unknown_kinds()
    {
        const string Broken = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: broken}
            spec:
              replicas: two
              selector: {matchLabels: {app: x}}
              template:
                metadata: {labels: {app: x}}
                spec:
                  containers: [{name: c, image: i, ports: [{containerPort: 80, protocol: TCPX}]}]
            ---
            apiVersion: example.com/v1
            kind: Gadget
            metadata: {name: g}
            """;

        var results = await ManifestValidator.ValidateTextAsync(tools, Broken);

        Assert.Collection(
            results,
            deployment => Assert.Contains(deployment.Errors, e => e.Contains("replicas must be integer", StringComparison.Ordinal) && e.Contains("protocol", StringComparison.Ordinal)),
            gadget => Assert.Contains(gadget.Errors, e => e.Contains("no schema known", StringComparison.Ordinal)));
    }

    [Fact]
    public void Strict_model_loading_rejects_a_misspelt_field()
    {
        const string Misspelt = """
            apiVersion: v1
            kind: Service
            metadata: {name: s}
            spec:
              ports: [{port: 80, targetport: http}]
            """;

        Assert.ThrowsAny<YamlException>(() => KubernetesYaml.LoadAllFromString(Misspelt, strict: true));
    }
}
