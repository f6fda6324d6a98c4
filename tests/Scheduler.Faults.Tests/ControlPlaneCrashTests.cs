using System.Net.Http.Json;
using Scheduler.Faults.Tests.Support;
using Scheduler.Testing.Postgres;

namespace Scheduler.Faults.Tests;

/// <summary>
/// <c>kill -9</c> of the control plane at random moments of its scheduling cycles, 20 times, under a stream of submissions.
/// The cluster (the test process's simulated one) keeps running the pods meanwhile, as a real cluster would.
/// </summary>
public sealed class ControlPlaneCrashTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_acknowledged_job_exists_once_and_finishes_after_the_control_plane_is_killed_20_times()
    {
        var ct = TestContext.Current.CancellationToken;
        var kills = int.TryParse(Environment.GetEnvironmentVariable("SCHEDULER_FAULTS_KILLS"), out var configured) ? configured : 20;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SCHEDULER_FAULTS_SEED"), out var given) ? given : Random.Shared.Next();
        var random = new Random(seed);
        await using var cluster = await FaultCluster.StartAsync(a100Nodes: 2);
        await using var database = await PostgresServer.CreateDatabaseAsync("faults_crash");
        var token = await ControlPlaneProcess.MigrateAsync(database.ConnectionString, ct);
        await using var plane = ControlPlaneProcess.Create("control-plane-0", database.ConnectionString, cluster.Kubeconfig, FaultCluster.Namespace);
        await plane.StartAsync(ct);
        using var client = plane.Client(token);
        (await client.PutAsJsonAsync($"/api/v1/queues/{SubmissionStream.Queue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 16 } }, ct)).EnsureSuccessStatusCode();
        await using var stream = SubmissionStream.Start(() => client, "crash", runtime: TimeSpan.FromSeconds(1.5));

        for (var kill = 0; kill < kills; kill++)
        {
            // Each life does some work first: a submission acknowledged, so cycles have something to admit.
            var before = stream.Acknowledged.Count;
            await Eventually.TrueAsync(() => Task.FromResult(stream.Acknowledged.Count > before), Patience,
                () => $"no submission was acknowledged after restart {kill} (seed {seed}):\n{plane.Log}", ct);
            // The fault's moment, not a wait for a condition: anywhere within the next ~6 cycles (250 ms each).
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 1500)), ct);
            await plane.KillAsync();
            await plane.StartAsync(ct);
        }

        await stream.StopAsync();
        JobLedger ledger = new([]);
        await Eventually.TrueAsync(async () => (ledger = await JobLedger.ReadAsync(database.ConnectionString, ct)).AllFinal, Patience,
            () => $"jobs still unfinished (seed {seed}): {ledger.States}\n{plane.Log}", ct);
        IReadOnlyList<string> orphans = [];
        await Eventually.TrueAsync(async () => (orphans = ledger.Orphans(await cluster.PodsAsync(ct))).Count == 0, Patience,
            () => $"pods without a job (seed {seed}): {string.Join(", ", orphans)}", ct);

        var lost = ledger.Lost(stream.Acknowledged);
        FaultReport.Write("control-plane kill -9", new Dictionary<string, object>
        {
            ["seed"] = seed, ["faults"] = kills, ["acknowledged"] = stream.Acknowledged.Count, ["lost"] = lost.Count,
            ["duplicated"] = ledger.Duplicated.Count, ["jobs"] = ledger.Jobs.Count, ["states"] = ledger.States,
            ["answers"] = stream.Answers, ["violations"] = cluster.Violations.Count,
        });
        Assert.True(stream.Acknowledged.Count >= kills, $"only {stream.Acknowledged.Count} submissions were acknowledged");
        Assert.Empty(lost);
        Assert.Empty(ledger.Duplicated);
        Assert.Empty(cluster.Violations);
        Assert.Empty(stream.Unexpected);
    }
}
