using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

public sealed class ControlPlaneDeploymentTests(ChartTools tools)
{
    [Theory]
    [InlineData(ValueSet.Default, 2)]
    [InlineData(ValueSet.ExternalDb, 3)]
    [InlineData(ValueSet.BundledDb, 2)]
    [InlineData(ValueSet.HaOff, 1)]
    public async Task Replica_count_follows_the_values(string valueSet, int replicas)
    {
        var deployment = (await tools.Renderer.RenderAsync(valueSet)).Single("Deployment");

        Assert.Equal(replicas, deployment.Get<long>("spec.replicas"));
        Assert.Equal(0, deployment.Get<long>("spec.strategy.rollingUpdate.maxUnavailable"));
    }

    [Theory]
    [MemberData(nameof(ValueSet.Names), MemberType = typeof(ValueSet))]
    public async Task Pod_runs_non_root_with_a_read_only_root_filesystem_and_no_privilege_escalation(string valueSet)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);

        foreach (var podSpec in PodSpecs(chart))
        {
            Assert.True(podSpec.Get<bool>("securityContext.runAsNonRoot"), $"{podSpec.Owner}: runAsNonRoot");
            foreach (var container in podSpec.AllContainers)
            {
                var where = $"{podSpec.Owner} container {container.At("name")}";
                Assert.True((bool?)container.At("securityContext.allowPrivilegeEscalation") == false, $"{where}: allowPrivilegeEscalation");
                Assert.True((bool?)container.At("securityContext.readOnlyRootFilesystem") == true, $"{where}: readOnlyRootFilesystem");
                Assert.True((bool?)container.At("securityContext.privileged") == false, $"{where}: privileged");
                Assert.Equal(["ALL"], container.At("securityContext.capabilities.drop").Strings());
                Assert.NotNull(container.At("resources.requests.memory"));
                Assert.NotNull(container.At("resources.limits.memory"));
            }
        }
    }

    [Fact]
    public async Task Control_plane_gets_a_64_MiB_gen0_budget_unless_the_value_is_emptied_and_a_malformed_one_is_refused()
    {
        static string? Gen0(RenderedChart chart) => EnvironmentValue(chart, "DOTNET_GCgen0size");

        var byDefault = await tools.Renderer.RenderAsync(ValueSet.Default);
        var emptied = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "gcGen0Size=");
        var malformed = await tools.Renderer.RenderFailureAsync(ValueSet.Default, "--set", "gcGen0Size=64MiB");

        Assert.Equal("0x4000000", Gen0(byDefault));
        Assert.Null(Gen0(emptied));
        Assert.Contains("gcGen0Size", malformed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Control_plane_jit_compiles_the_framework_code_unless_ready_to_run_is_asked_for()
    {
        static string? ReadyToRun(RenderedChart chart) => EnvironmentValue(chart, "DOTNET_ReadyToRun");

        var byDefault = await tools.Renderer.RenderAsync(ValueSet.Default);
        var precompiled = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "readyToRun=true");
        var malformed = await tools.Renderer.RenderFailureAsync(ValueSet.Default, "--set-string", "readyToRun=no");

        Assert.Equal("0", ReadyToRun(byDefault));
        Assert.Null(ReadyToRun(precompiled));
        Assert.Contains("readyToRun", malformed, StringComparison.Ordinal);
    }

    /// <summary>The control-plane container's environment variable <paramref name="name"/>, or null when it is not set.</summary>
    private static string? EnvironmentValue(RenderedChart chart, string name) => PodSpec.Of(chart.Single("Deployment")).Containers.Single().At("env")!.AsArray()
        .SingleOrDefault(e => (string?)e.At("name") == name) is { } variable ? (string?)variable.At("value") : null;

    [Fact]
    public async Task Control_plane_runs_as_the_image_app_user_with_tmp_on_an_empty_dir()
    {
        var pod = PodSpec.Of((await tools.Renderer.RenderAsync(ValueSet.Default)).Single("Deployment"));
        var container = Assert.Single(pod.Containers);

        Assert.Equal(1654, pod.Get<long>("securityContext.runAsUser"));
        Assert.Equal("RuntimeDefault", pod.Get<string>("securityContext.seccompProfile.type"));
        Assert.Contains(container.At("volumeMounts")!.AsArray(), m => (string?)m.At("mountPath") == "/tmp" && (string?)m.At("name") == "tmp");
        Assert.NotNull(pod.Spec.At("volumes")!.AsArray().Single(v => (string?)v.At("name") == "tmp").At("emptyDir"));
        Assert.Equal("ghcr.io/gpu-scheduler/control-plane:0.1.0", (string?)container.At("image"));
    }

    [Fact]
    public async Task Liveness_reads_healthz_and_readiness_reads_readyz_on_the_http_port()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var container = PodSpec.Of(chart.Single("Deployment")).Containers.Single();

        Assert.Equal("/healthz", (string?)container.At("livenessProbe.httpGet.path"));
        Assert.Equal("/readyz", (string?)container.At("readinessProbe.httpGet.path"));
        Assert.Equal("/healthz", (string?)container.At("startupProbe.httpGet.path"));
        Assert.All(["livenessProbe", "readinessProbe", "startupProbe"], p => Assert.Equal("http", (string?)container.At($"{p}.httpGet.port")));
        Assert.Equal(8080, (long)container.At("ports[0].containerPort")!);
        Assert.Contains(container.At("env")!.AsArray(), e => (string?)e.At("name") == "ASPNETCORE_HTTP_PORTS" && (string?)e.At("value") == "8080");

        var service = chart.Single("Service", ChartRenderer.FullName);
        Assert.Equal("http", (string?)service.At("spec.ports[0].targetPort"));
        Assert.Equal(
            chart.Single("Deployment").At("spec.selector.matchLabels")!.ToJsonString(),
            service.At("spec.selector")!.ToJsonString());
    }

    [Fact]
    public async Task Replicas_spread_over_nodes_only_when_there_are_several()
    {
        var ha = PodSpec.Of((await tools.Renderer.RenderAsync(ValueSet.Default)).Single("Deployment"));
        var single = PodSpec.Of((await tools.Renderer.RenderAsync(ValueSet.HaOff)).Single("Deployment"));

        Assert.Equal("kubernetes.io/hostname", (string?)ha.Spec.At("topologySpreadConstraints[0].topologyKey"));
        Assert.Null(single.Spec.At("topologySpreadConstraints"));
        Assert.Equal("true", (string?)single.Spec.At("nodeSelector")!["node-role.example.com/system"]);
    }

    [Fact]
    public async Task An_image_digest_wins_over_the_tag()
    {
        const string Digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", $"image.digest={Digest}");

        Assert.Equal($"ghcr.io/gpu-scheduler/control-plane@{Digest}", (string?)PodSpec.Of(chart.Single("Deployment")).Containers.Single().At("image"));
    }

    [Fact]
    public async Task Ingress_routes_the_host_to_the_http_port_when_enabled()
    {
        var defaults = await tools.Renderer.RenderAsync(ValueSet.Default);
        var ingress = (await tools.Renderer.RenderAsync(ValueSet.ExternalDb)).Single("Ingress");

        Assert.Empty(defaults.OfKind("Ingress"));
        Assert.Equal("nginx", (string?)ingress.At("spec.ingressClassName"));
        Assert.Equal("gpu-scheduler.corp.example", (string?)ingress.At("spec.rules[0].host"));
        Assert.Equal(ChartRenderer.FullName, (string?)ingress.At("spec.rules[0].http.paths[0].backend.service.name"));
        Assert.Equal("http", (string?)ingress.At("spec.rules[0].http.paths[0].backend.service.port.name"));
        Assert.Equal("gpu-scheduler-tls", (string?)ingress.At("spec.tls[0].secretName"));
    }

    /// <summary>Every pod template the chart renders (Deployment, StatefulSet, Job).</summary>
    internal static IEnumerable<PodSpec> PodSpecs(RenderedChart chart) =>
        chart.Manifests.Where(m => m.Kind is "Deployment" or "StatefulSet" or "Job").Select(PodSpec.Of);
}
