using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>Names, namespaces and labels every object of the chart carries, so `helm template | kubectl apply` works too.</summary>
public sealed class ManifestConventionsTests(ChartTools tools)
{
    private static readonly HashSet<string> ClusterScopedKinds = ["ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "Namespace"];

    [Theory]
    [MemberData(nameof(ValueSet.Names), MemberType = typeof(ValueSet))]
    public async Task Namespaced_objects_name_the_release_namespace_and_carry_the_standard_labels(string valueSet)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);

        foreach (var manifest in chart.Manifests.Where(m => m.Kind != "CustomResourceDefinition"))
        {
            // The job pods' ServiceAccount lives in the job namespace, which is never the release namespace.
            var expectedNamespace = ClusterScopedKinds.Contains(manifest.Kind) ? null
                : manifest is { Kind: "ServiceAccount", Name: "gpu-scheduler-job" } ? ChartRenderer.Namespace + "-jobs" : ChartRenderer.Namespace;
            Assert.True(expectedNamespace == (string?)manifest.At("metadata.namespace"), $"{manifest}: namespace {(string?)manifest.At("metadata.namespace")}");
            Assert.Equal(ChartRenderer.Release, manifest.Label("app.kubernetes.io/instance"));
            Assert.Equal("gpu-scheduler", manifest.Label("app.kubernetes.io/name"));
            Assert.Equal("Helm", manifest.Label("app.kubernetes.io/managed-by"));
            Assert.StartsWith("gpu-scheduler-", manifest.Label("helm.sh/chart"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_longest_release_name_helm_allows_still_gives_valid_object_names()
    {
        var release = new string('r', 53);
        var result = await tools.Renderer.RunAsync(
            tools.Helm, ["template", release, RepoPaths.Chart, "--namespace", ChartRenderer.Namespace, "--values", ValueSet.Named(ValueSet.BundledDb).File!]);
        Assert.True(result.ExitCode == 0, result.Describe());

        // CRD names are <plural>.<group> by rule, whatever the release is called.
        var manifests = YamlDocuments.Parse(result.StandardOutput)
            .Select(d => new Manifest(d.Text, d.Json))
            .Where(m => m.Kind != "CustomResourceDefinition")
            .ToList();
        var names = manifests.Select(m => m.Name).ToList();

        Assert.All(names, name => Assert.Matches("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", name));
        Assert.All(names, name => Assert.True(name.Length <= 63, $"{name} is {name.Length} characters"));
        Assert.Equal(manifests.Count, manifests.Select(m => (m.Kind, m.Name)).Distinct().Count());
        // A StatefulSet's pod name (name-0) is a host name and its controller-revision-hash label is name-<10 characters>.
        Assert.All(manifests.Where(m => m.Kind == "StatefulSet"), s => Assert.True(s.Name.Length <= 52, $"{s} is {s.Name.Length} characters"));
    }
}
