using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>Where the connection string comes from: the user's Secret, a Secret the chart stores, or the bundled database.</summary>
public sealed class DatabaseWiringTests(ChartTools tools)
{
    [Theory]
    [InlineData(ValueSet.Default, ChartRenderer.FullName + "-database", "connectionString")]
    [InlineData(ValueSet.ExternalDb, "scheduler-db", "npgsql")]
    [InlineData(ValueSet.HaOff, ChartRenderer.FullName + "-database", "connectionString")]
    [InlineData(ValueSet.BundledDb, ChartRenderer.FullName + "-postgresql", "connectionString")]
    public async Task Control_plane_and_migrations_read_the_connection_string_from_the_same_secret_key(string valueSet, string secret, string key)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);

        foreach (var (workload, container) in new[] { ("Deployment", "control-plane"), ("Job", "migrate") })
        {
            var env = PodSpec.Of(chart.Single(workload)).Env(container).Single(e => (string?)e.At("name") == "ConnectionStrings__Scheduler");
            Assert.Equal(secret, (string?)env.At("valueFrom.secretKeyRef.name"));
            Assert.Equal(key, (string?)env.At("valueFrom.secretKeyRef.key"));
            Assert.Null(env.At("value"));
        }
    }

    [Fact]
    public async Task An_existing_secret_is_used_as_is_and_no_database_is_deployed()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.ExternalDb);

        Assert.Empty(chart.OfKind("Secret"));
        Assert.Empty(chart.OfKind("StatefulSet"));
        Assert.Empty(chart.OfKind("PersistentVolumeClaim"));
    }

    [Fact]
    public async Task A_connection_string_value_is_stored_in_a_secret_not_in_the_pod_spec()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.HaOff);
        var secret = chart.Single("Secret", $"{ChartRenderer.FullName}-database");

        Assert.StartsWith("Host=pg.db.svc;", (string?)secret.At("stringData.connectionString"), StringComparison.Ordinal);
        Assert.DoesNotContain("change-me", chart.Single("Deployment").Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bundled_database_is_one_postgres_pod_with_a_claim_its_secret_and_services()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.BundledDb);
        var name = $"{ChartRenderer.FullName}-postgresql";
        var statefulSet = chart.Single("StatefulSet", name);
        var secret = chart.Single("Secret", name);
        var password = (string)secret.At("stringData.password")!;

        Assert.Equal(1, statefulSet.Get<long>("spec.replicas"));
        Assert.Equal($"{name}-hl", (string?)statefulSet.At("spec.serviceName"));
        Assert.Equal("None", (string?)chart.Single("Service", $"{name}-hl").At("spec.clusterIP"));
        Assert.Equal("20Gi", (string?)statefulSet.At("spec.volumeClaimTemplates[0].spec.resources.requests.storage"));
        Assert.Equal("standard", (string?)statefulSet.At("spec.volumeClaimTemplates[0].spec.storageClassName"));
        Assert.Equal(32, password.Length);
        Assert.Equal($"Host={name};Port=5432;Database=scheduler;Username=scheduler;Password={password}", (string?)secret.At("stringData.connectionString"));
        var pod = PodSpec.Of(statefulSet);
        Assert.Contains(pod.Env("postgresql"), e => (string?)e.At("name") == "POSTGRES_PASSWORD" && (string?)e.At("valueFrom.secretKeyRef.name") == name);
        Assert.Contains(pod.Container("postgresql").At("volumeMounts")!.AsArray(), m => (string?)m.At("mountPath") == "/var/lib/postgresql/data");
        Assert.Equal(999, pod.Get<long>("securityContext.runAsUser"));
    }

    [Fact]
    public async Task A_given_bundled_database_password_is_used()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.BundledDb, "--set", "postgresql.password=s3cret");

        Assert.EndsWith(";Password=s3cret", (string?)chart.Single("Secret", $"{ChartRenderer.FullName}-postgresql").At("stringData.connectionString"), StringComparison.Ordinal);
    }
}
