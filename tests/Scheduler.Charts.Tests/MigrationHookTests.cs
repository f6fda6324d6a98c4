using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>Migrations run as a Helm hook Job before the new version serves, never at start-up.</summary>
public sealed class MigrationHookTests(ChartTools tools)
{
    [Theory]
    [InlineData(ValueSet.Default, "pre-install,pre-upgrade")]
    [InlineData(ValueSet.ExternalDb, "pre-install,pre-upgrade")]
    [InlineData(ValueSet.HaOff, "pre-install,pre-upgrade")]
    // The bundled database is created by the install itself, so the first migration can only follow it.
    [InlineData(ValueSet.BundledDb, "post-install,pre-upgrade")]
    public async Task Migration_job_is_a_hook_that_runs_before_upgrades(string valueSet, string hooks)
    {
        var job = (await tools.Renderer.RenderAsync(valueSet)).Single("Job");

        Assert.Equal(hooks, job.Annotation("helm.sh/hook"));
        Assert.Equal("0", job.Annotation("helm.sh/hook-weight"));
        Assert.Equal("before-hook-creation", job.Annotation("helm.sh/hook-delete-policy"));
    }

    [Fact]
    public async Task Migration_job_runs_the_migrate_verb_of_the_control_plane_image_once_and_fails_loudly()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);
        var job = chart.Single("Job");
        var pod = PodSpec.Of(job);
        var migrate = pod.Container("migrate");

        Assert.Equal(["migrate"], migrate.At("args").Strings());
        Assert.Null(migrate.At("command"));
        Assert.Equal((string?)PodSpec.Of(chart.Single("Deployment")).Containers.Single().At("image"), (string?)migrate.At("image"));
        Assert.Equal("Never", pod.Get<string>("restartPolicy"));
        Assert.Equal(1, job.Get<long>("spec.backoffLimit"));
        Assert.Equal(600, job.Get<long>("spec.activeDeadlineSeconds"));
        // The chart's ServiceAccount does not exist yet when a pre-install hook runs.
        Assert.Null(pod.Spec.At("serviceAccountName"));
        Assert.False(pod.Get<bool>("automountServiceAccountToken"));
        Assert.Null(pod.Spec.At("volumes")!.AsArray().FirstOrDefault(v => v.At("configMap") is not null));
    }

    [Fact]
    public async Task Nothing_else_in_the_control_plane_runs_migrations()
    {
        var deployment = PodSpec.Of((await tools.Renderer.RenderAsync(ValueSet.Default)).Single("Deployment"));

        Assert.Null(deployment.Spec.At("initContainers"));
        Assert.All(deployment.Containers, c => Assert.DoesNotContain("migrate", c.At("args").Strings()));
    }

    [Fact]
    public async Task A_connection_string_secret_made_by_the_chart_exists_before_the_migration_hook()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.HaOff);
        var secret = chart.Single("Secret", $"{ChartRenderer.FullName}-database");
        var job = chart.Single("Job");

        Assert.Equal("pre-install,pre-upgrade", secret.Annotation("helm.sh/hook"));
        Assert.True(int.Parse(secret.Annotation("helm.sh/hook-weight")!) < int.Parse(job.Annotation("helm.sh/hook-weight")!));
    }

    [Fact]
    public async Task With_the_bundled_database_the_migration_waits_for_the_server()
    {
        var pod = PodSpec.Of((await tools.Renderer.RenderAsync(ValueSet.BundledDb)).Single("Job"));
        var wait = pod.Container("wait-for-postgresql");

        Assert.Contains("pg_isready", string.Join(' ', wait.At("command").Strings()), StringComparison.Ordinal);
        Assert.Contains(pod.Env("wait-for-postgresql"), e => (string?)e.At("name") == "PGHOST" && (string?)e.At("value") == $"{ChartRenderer.FullName}-postgresql");
    }

    [Fact]
    public async Task Migrations_can_be_left_to_the_operator()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "migrations.enabled=false");

        Assert.Empty(chart.OfKind("Job"));
    }
}
