using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>
/// The job tokens' HMAC key (Scheduler__Auth__JobTokenSecret): every replica reads the same Secret, the chart's own (random
/// on install, read back on upgrade) or the user's.
/// </summary>
public sealed class JobTokenSecretTests(ChartTools tools)
{
    [Fact]
    public async Task Chart_makes_a_random_job_token_secret_of_48_bytes_and_the_control_plane_reads_it()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var name = $"{ChartRenderer.FullName}-job-token";
        var secret = chart.Single("Secret", name);
        var key = Convert.FromBase64String((string)secret.At("stringData.jobTokenSecret")!);

        Assert.Equal(48, key.Length);
        var env = JobTokenEnv(chart);
        Assert.Equal(name, (string?)env.At("valueFrom.secretKeyRef.name"));
        Assert.Equal("jobTokenSecret", (string?)env.At("valueFrom.secretKeyRef.key"));
        Assert.Null(env.At("value"));
    }

    [Fact]
    public async Task Each_install_draws_its_own_key()
    {
        var first = (await tools.Renderer.RenderAsync(ValueSet.Default)).Single("Secret", $"{ChartRenderer.FullName}-job-token");
        // Another argument list: the renderer caches renders by their arguments.
        var second = (await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "auth.privateMode=false")).Single("Secret", $"{ChartRenderer.FullName}-job-token");

        Assert.NotEqual((string?)first.At("stringData.jobTokenSecret"), (string?)second.At("stringData.jobTokenSecret"));
    }

    [Fact]
    public async Task An_upgrade_keeps_the_key_by_reading_the_live_secret_back()
    {
        // lookup answers nothing offline, so this reads the template: the live Secret's value wins over a new random one.
        var template = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Chart, "templates", "job-token-secret.yaml"), TestContext.Current.CancellationToken);

        Assert.Contains("lookup \"v1\" \"Secret\" .Release.Namespace $name", template, StringComparison.Ordinal);
        Assert.Contains("index $existing.data \"jobTokenSecret\" | b64dec", template, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_secret_is_read_under_its_key_and_the_chart_makes_none()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.ExternalDb);

        Assert.DoesNotContain(chart.OfKind("Secret"), s => s.Name.EndsWith("-job-token", StringComparison.Ordinal));
        var env = JobTokenEnv(chart);
        Assert.Equal("scheduler-job-token", (string?)env.At("valueFrom.secretKeyRef.name"));
        Assert.Equal("hmac", (string?)env.At("valueFrom.secretKeyRef.key"));
    }

    [Theory]
    [InlineData(ValueSet.Default, false)]
    [InlineData(ValueSet.ExternalDb, true)]
    public async Task Private_mode_reaches_the_control_planes_configuration(string valueSet, bool privateMode)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);
        var settings = System.Text.Json.Nodes.JsonNode.Parse((string)chart.OfKind("ConfigMap").Single(c => c.At("data")?["appsettings.Production.json"] is not null)
            .At("data")!["appsettings.Production.json"]!)!;

        Assert.Equal(privateMode, (bool)settings.At("Scheduler.auth.privateMode")!);
    }

    private static System.Text.Json.Nodes.JsonNode JobTokenEnv(RenderedChart chart) =>
        PodSpec.Of(chart.Single("Deployment")).Env("control-plane").Single(e => (string?)e.At("name") == "Scheduler__Auth__JobTokenSecret");
}
