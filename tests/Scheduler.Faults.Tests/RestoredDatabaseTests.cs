using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Npgsql;
using Scheduler.Faults.Tests.Support;
using Scheduler.Operator.Pods;
using Scheduler.Testing.Postgres;

namespace Scheduler.Faults.Tests;

/// <summary>
/// The database restored from a backup older than the jobs running in the cluster (<c>pg_dump</c> before they were submitted,
/// <c>pg_restore</c> with the control plane down): the restarted control plane finds live pods of jobs it has no record of, and
/// the orphan guard keeps them (more than <c>Scheduler:Policy:MaxUnknownPodDeletions</c>), saying so in its log and metric.
/// </summary>
public sealed class RestoredDatabaseTests
{
    private const int Running = 4;
    private const string Withheld = "gpu_scheduler_orphan_deletions_withheld_total";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_control_plane_on_a_database_restored_from_before_its_jobs_deletes_none_of_their_running_pods()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await FaultCluster.StartAsync(a100Nodes: 1);
        await using var database = await PostgresServer.CreateDatabaseAsync("faults_restore");
        var token = await ControlPlaneProcess.MigrateAsync(database.ConnectionString, ct);
        await using var plane = ControlPlaneProcess.Create("control-plane-0", database.ConnectionString, cluster.Kubeconfig, FaultCluster.Namespace,
            new Dictionary<string, string> { ["Scheduler:Policy:MaxUnknownPodDeletions"] = "2" });
        await plane.StartAsync(ct);
        using var client = plane.Client(token);
        (await client.PutAsJsonAsync($"/api/v1/queues/{SubmissionStream.Queue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } }, ct)).EnsureSuccessStatusCode();
        // The backup of a running installation: its control-plane row (installation id, leader term) is in it.
        await Eventually.TrueAsync(async () => await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM control_plane", ct) == 1, Patience,
            () => $"the control plane never began a leader term:\n{plane.Log}", ct);
        var backup = await DatabaseBackup.DumpAsync(database.ConnectionString, ct);

        var jobs = new List<Guid>();
        for (var i = 0; i < Running; i++)
        {
            jobs.Add(await SubmitAsync(client, $"long-{i}", TimeSpan.FromMinutes(10), ct));
        }

        IReadOnlyList<V1Pod> running = [];
        await Eventually.TrueAsync(async () => (running = LiveOf(await cluster.PodsAsync(ct), jobs)).Count == Running
                && await ScalarAsync(database.ConnectionString, "SELECT count(*) FROM jobs WHERE state = 'Running'", ct) == Running, Patience,
            () => $"{running.Count} of {Running} jobs running:\n{plane.Log}", ct);

        await plane.KillAsync();
        await DatabaseBackup.RestoreAsync(database.ConnectionString, backup, ct);
        Assert.Empty((await JobLedger.ReadAsync(database.ConnectionString, ct)).Jobs);
        await plane.StartAsync(ct);

        // Two orphan collections of the restarted control plane, each keeping every pod it has no record of.
        await Eventually.TrueAsync(async () => await WithheldAsync(client, ct) >= 2 * Running, Patience,
            () => $"the orphan guard did not withhold {Running} pods twice:\n{plane.Log}", ct);
        Assert.Contains($"Orphan guard: {Running} pod(s) belong to jobs this database has no record of", plane.Log, StringComparison.Ordinal);
        var after = LiveOf(await cluster.PodsAsync(ct), jobs);
        Assert.Equal(running.Select(p => p.Metadata.Uid).Order(), after.Select(p => p.Metadata.Uid).Order());

        // The kept pods still hold their GPUs: a job submitted now runs beside them, on other GPUs.
        var next = await SubmitAsync(client, "after-restore", TimeSpan.FromSeconds(1.5), ct);
        JobLedger ledger = new([]);
        await Eventually.TrueAsync(async () => (ledger = await JobLedger.ReadAsync(database.ConnectionString, ct)).AllFinal, Patience,
            () => $"the job submitted after the restore did not finish: {ledger.States}\n{plane.Log}", ct);
        Assert.Equal("Succeeded", ledger.Jobs.Single(j => j.Id == next).State);
        Assert.Equal(Running, LiveOf(await cluster.PodsAsync(ct), jobs).Count);
        FaultReport.Write("database restored from before its running jobs", new Dictionary<string, object>
        {
            ["faults"] = 1, ["runningPods"] = Running, ["podsDeleted"] = Running - LiveOf(await cluster.PodsAsync(ct), jobs).Count,
            ["withheld"] = await WithheldAsync(client, ct), ["violations"] = cluster.Violations.Count,
        });
        Assert.Empty(cluster.Violations);
    }

    private static List<V1Pod> LiveOf(IEnumerable<V1Pod> pods, IReadOnlyCollection<Guid> jobs) =>
        [.. pods.Where(FaultCluster.IsLive).Where(p => p.Spec.NodeName is not null && WorkloadLabels.JobIdOf(p.Metadata) is { } id && jobs.Contains(id.Value))];

    private static async Task<double> WithheldAsync(HttpClient client, CancellationToken ct)
    {
        var metrics = await client.GetStringAsync("/metrics", ct);
        var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(Withheld + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(Withheld.Length + 1)..], CultureInfo.InvariantCulture);
    }

    private static async Task<long> ScalarAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct), CultureInfo.InvariantCulture);
    }

    private static async Task<Guid> SubmitAsync(HttpClient client, string name, TimeSpan runtime, CancellationToken ct)
    {
        using var response = await client.PostAsync("/api/v1/jobs", new StringContent(SubmissionStream.Spec(name, runtime), Encoding.UTF8, "application/json"), ct);
        Assert.True(response.IsSuccessStatusCode, $"{name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        return (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
    }
}
