using System.Text.Json.Nodes;
using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>
/// The chart's CRDs (whatever templates/crds/ holds) and the examples under docs/examples/ validated against their
/// openAPIV3Schema, unknown fields rejected as the API server's strict field validation does, and the CEL rules
/// (x-kubernetes-validations) evaluated by a JavaScript CEL implementation; transition rules (oldSelf) are not.
/// </summary>
public sealed class CustomResourceTests(ChartTools tools)
{
    [Fact]
    public async Task Examples_are_valid_custom_resources_of_the_chart_CRDs()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var crds = chart.OfKind("CustomResourceDefinition").ToList();
        var examples = ExampleFiles().Where(f => !IsInvalidExample(f)).ToList();
        SkipUnless(crds.Count > 0 && examples.Count > 0);

        var results = await ManifestValidator.ValidateAsync(tools, examples, chart.Yaml);

        ReportWarnings(results);
        var invalid = results.Where(r => r.Errors.Count > 0).ToList();
        Assert.True(invalid.Count == 0, "Invalid examples:\n" + string.Join('\n', invalid));
        var crdKinds = crds.Select(c => (string?)c.At("spec.names.kind")).ToHashSet();
        Assert.Contains(results, r => crdKinds.Contains(r.Kind));
    }

    [Fact]
    public async Task Examples_meant_to_be_refused_are_refused_by_the_CRD_schema_or_its_rules()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var examples = ExampleFiles().Where(IsInvalidExample).ToList();
        SkipUnless(chart.OfKind("CustomResourceDefinition").Any() && examples.Count > 0);

        var results = await ManifestValidator.ValidateAsync(tools, examples, chart.Yaml);

        ReportWarnings(results);
        Assert.All(results, r => Assert.True(r.Errors.Count > 0, $"{r.File} #{r.Index} {r.Kind}/{r.Name} was accepted"));
    }

    [Fact]
    public async Task A_misspelt_field_in_an_example_is_rejected_by_the_CRD_schema()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var crdKinds = chart.OfKind("CustomResourceDefinition").Select(c => (string?)c.At("spec.names.kind")).ToHashSet();
        var example = ExampleFiles()
            .SelectMany(f => YamlDocuments.Parse(File.ReadAllText(f)))
            .Select(d => d.Json)
            .FirstOrDefault(d => crdKinds.Contains((string?)d["kind"]) && d["spec"] is JsonObject);
        SkipUnless(example is not null);

        example!["spec"]!["notAField"] = 1;
        var results = await ManifestValidator.ValidateTextAsync(tools, example.ToJsonString(), chart.Yaml);

        Assert.Contains(Assert.Single(results).Errors, e => e.Contains("notAField", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrainingJob_is_namespaced_GpuQueue_cluster_scoped_and_both_write_status_through_the_subresource()
    {
        var crds = (await tools.Renderer.RenderAsync(ValueSet.Default)).OfKind("CustomResourceDefinition").ToList();
        SkipUnless(crds.Count > 0);

        var byKind = crds.ToDictionary(c => (string?)c.At("spec.names.kind") ?? "");
        Assert.Equal("Namespaced", (string?)byKind["TrainingJob"].At("spec.scope"));
        Assert.Equal("Cluster", (string?)byKind["GpuQueue"].At("spec.scope"));
        foreach (var crd in byKind.Values)
        {
            var versions = crd.At("spec.versions")!.AsArray();
            Assert.Single(versions, v => (bool?)v.At("storage") == true);
            Assert.All(versions.Where(v => (bool?)v.At("served") == true), v => Assert.NotNull(v.At("subresources.status")));
        }
    }

    /// <summary>Deleting a CRD deletes every object of its kind: helm uninstall must leave both (docs/install.md#uninstalling).</summary>
    [Theory]
    [MemberData(nameof(ValueSet.Names), MemberType = typeof(ValueSet))]
    public async Task Helm_uninstall_keeps_both_CRDs_and_so_every_TrainingJob_and_GpuQueue(string valueSet)
    {
        var crds = (await tools.Renderer.RenderAsync(valueSet)).OfKind("CustomResourceDefinition").ToList();

        Assert.Equal(["GpuQueue", "TrainingJob"], crds.Select(c => (string?)c.At("spec.names.kind")).Order(StringComparer.Ordinal));
        Assert.All(crds, crd => Assert.Equal("keep", (string?)crd.At("metadata.annotations")?["helm.sh/resource-policy"]));
    }

    [Fact]
    public async Task Custom_resources_are_checked_against_their_CRD_for_types_ranges_required_unknown_fields_and_CEL_rules()
    {
        const string Crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec:
                          type: object
                          required: [size]
                          x-kubernetes-validations:
                            - rule: "!has(self.limit) || self.size <= self.limit"
                              message: size must not exceed limit
                              fieldPath: .size
                          properties:
                            size: {type: integer, minimum: 1}
                            limit: {type: integer}
                            labels: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """;
        const string Widgets = """
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: good}
            spec: {size: 2, labels: {anything: goes}}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: bad}
            spec: {size: 0, colour: red}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: empty}
            spec: {}
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: over}
            spec: {size: 5, limit: 4}
            """;
        var results = await ManifestValidator.ValidateTextAsync(tools, Widgets, Crd);

        Assert.Collection(
            results,
            good => Assert.Empty(good.Errors),
            bad => Assert.Equal(["/spec must NOT have additional properties: colour", "/spec/size must be >= 1"], bad.Errors),
            empty => Assert.Contains(empty.Errors, e => e.Contains("must have required property 'size'", StringComparison.Ordinal)),
            over => Assert.Equal(["/spec/size size must not exceed limit"], over.Errors));
    }

    /// <summary>docs/examples/*invalid*.yaml show what the API server refuses.</summary>
    private static bool IsInvalidExample(string file) => Path.GetFileName(file).Contains("invalid", StringComparison.Ordinal);

    private static void ReportWarnings(IEnumerable<ValidationResult> results)
    {
        foreach (var warning in results.SelectMany(r => (r.Warnings ?? []).Select(w => $"{Path.GetFileName(r.File)} {r.Kind}/{r.Name}: {w}")))
        {
            TestContext.Current.AddWarning(warning);
        }
    }

    private static List<string> ExampleFiles() =>
        Directory.Exists(RepoPaths.Examples)
            ? [.. Directory.EnumerateFiles(RepoPaths.Examples).Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal)).Order(StringComparer.Ordinal)]
            : [];

    private static void SkipUnless(bool condition)
    {
        if (!condition)
        {
            Assert.Skip(
                "Needs CRDs under charts/gpu-scheduler/templates/crds/ and examples under docs/examples/ (found "
                + $"{(Directory.Exists(RepoPaths.CrdTemplates) ? Directory.GetFiles(RepoPaths.CrdTemplates).Length : 0)} CRD files, {ExampleFiles().Count} examples).");
        }
    }
}
