using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Scheduler.Domain.Specs;
using Scheduler.Faults.Tests.Support;
using Scheduler.Operator.Pods;
using Scheduler.Testing.Postgres;

namespace Scheduler.Faults.Tests;

/// <summary>
/// A job whose pods the API server refuses, between jobs it admits: a ResourceQuota in the jobs' namespace (the fake API
/// server enforces it as a real one does, with its 403 <c>exceeded quota</c>) that one job's memory request can never fit.
/// </summary>
public sealed class RefusedPodTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_job_whose_pods_exceed_the_namespace_quota_fails_after_its_backoff_limit_while_the_jobs_beside_it_run()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await FaultCluster.StartAsync(a100Nodes: 1);
        // 8 GPUs run at most 8 pods of 2 GiB (16 GiB): the good jobs always fit, the 48 GiB one never does.
        await cluster.Client.CoreV1.CreateNamespacedResourceQuotaAsync(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "training-memory" },
            Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["requests.memory"] = new("32Gi") } },
        }, FaultCluster.Namespace, cancellationToken: ct);
        await using var database = await PostgresServer.CreateDatabaseAsync("faults_refused");
        var token = await ControlPlaneProcess.MigrateAsync(database.ConnectionString, ct);
        await using var plane = ControlPlaneProcess.Create("control-plane-0", database.ConnectionString, cluster.Kubeconfig, FaultCluster.Namespace);
        await plane.StartAsync(ct);
        using var client = plane.Client(token);
        (await client.PutAsJsonAsync($"/api/v1/queues/{SubmissionStream.Queue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } }, ct)).EnsureSuccessStatusCode();

        // The refused job is submitted among the others, so they are placed in the same cycles as its attempts.
        var good = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            good.Add(await SubmitAsync(client, $"fits-{i}", "2Gi", ct));
        }

        var refused = await SubmitAsync(client, "too-big", "48Gi", ct);
        for (var i = 3; i < 6; i++)
        {
            good.Add(await SubmitAsync(client, $"fits-{i}", "2Gi", ct));
        }

        JobLedger ledger = new([]);
        await Eventually.TrueAsync(async () => (ledger = await JobLedger.ReadAsync(database.ConnectionString, ct)).AllFinal, Patience,
            () => $"jobs still unfinished: {ledger.States}\n{plane.Log}", ct);

        Assert.All(good, id => Assert.Equal("Succeeded", ledger.Jobs.Single(j => j.Id == id).State));
        var job = await client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{refused}", ct);
        Assert.Equal("Failed", job.GetProperty("state").GetString());
        var reason = job.GetProperty("reason").GetString()!;
        Assert.Contains("pods \"too-big", reason, StringComparison.Ordinal);
        Assert.Contains("is forbidden: exceeded quota: training-memory, requested: requests.memory=48Gi", reason, StringComparison.Ordinal);
        Assert.Contains("backoff limit of 3 retries reached", reason, StringComparison.Ordinal);
        var events = await client.GetFromJsonAsync<JsonElement>($"/api/v1/jobs/{refused}/events", ct);
        var refusals = events.EnumerateArray().Select(e => e.GetProperty("reason").GetString()!)
            .Where(r => r.Contains("the API server refused its pods: 403", StringComparison.Ordinal)).ToList();
        // Three retries, then the attempt that ends it: each with the API server's own words, and no more.
        Assert.Equal(4, refusals.Count);
        Assert.Contains("retry 1 of 3", refusals[0], StringComparison.Ordinal);
        Assert.DoesNotContain(await cluster.PodsAsync(ct), p => WorkloadLabels.JobIdOf(p.Metadata)?.Value == refused);
        FaultReport.Write("pod refused by a ResourceQuota", new Dictionary<string, object>
        {
            ["faults"] = 1, ["jobs"] = ledger.Jobs.Count, ["states"] = ledger.States, ["refusals"] = refusals.Count,
            ["violations"] = cluster.Violations.Count,
        });
        Assert.Empty(cluster.Violations);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string name, string memory, CancellationToken ct)
    {
        var body = SubmissionStream.Spec(name, TimeSpan.FromSeconds(1.5), s => s with { Container = new ContainerSpec { Memory = memory } });
        using var response = await client.PostAsync("/api/v1/jobs", new StringContent(body, Encoding.UTF8, "application/json"), ct);
        Assert.True(response.IsSuccessStatusCode, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }
}
