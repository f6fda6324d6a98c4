using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Scheduler.Faults.Tests.Support;
using Scheduler.Operator.Pods;

namespace Scheduler.Faults.Tests;

/// <summary>PostgreSQL stopped with <c>pg_ctl stop -m immediate</c> for 10 s under submissions and scheduling cycles, then started again.</summary>
public sealed class DatabaseOutageTests
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>
    /// How soon after the database returns the API and the operator must work again: a bound that only a stuck control plane
    /// misses, on a loaded 2-core CI machine (measured: about a second; docs/benchmarks/reliability.md).
    /// </summary>
    private static readonly TimeSpan ResumeWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Submissions_answer_503_during_the_outage_lose_nothing_and_scheduling_resumes_by_itself()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await FaultCluster.StartAsync(a100Nodes: 2);
        await using var postgres = await ThrowawayPostgres.StartAsync(ct);
        var token = await ControlPlaneProcess.MigrateAsync(postgres.ConnectionString, ct);
        await using var plane = ControlPlaneProcess.Create("control-plane-0", postgres.ConnectionString, cluster.Kubeconfig, FaultCluster.Namespace);
        await plane.StartAsync(ct);
        using var client = plane.Client(token);
        using var probe = new HttpClient { BaseAddress = plane.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        (await client.PutAsJsonAsync($"/api/v1/queues/{SubmissionStream.Queue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 16 } }, ct)).EnsureSuccessStatusCode();
        await using var stream = SubmissionStream.Start(() => client, "outage", runtime: TimeSpan.FromSeconds(1.5));
        await Eventually.TrueAsync(async () => stream.Acknowledged.Count >= 3 && (await cluster.PodsAsync(ct)).Count > 0, Patience,
            () => $"the control plane did not place work before the outage:\n{plane.Log}", ct);

        await postgres.StopImmediatelyAsync(ct);
        var stopped = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => Task.FromResult(stream.Answers.GetValueOrDefault("503") > 0), Outage,
            () => $"no 503 while the database was down: {string.Join(", ", stream.Answers)}\n{plane.Log}", ct);
        var acknowledgedDuringOutage = stream.Acknowledged.Count;
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz", ct)).StatusCode);
        var ready = await probe.GetAsync("/readyz", ct);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Degraded", await ready.Content.ReadAsStringAsync(ct));
        // The fault's length, not a wait for a condition.
        await Task.Delay(Outage - stopped.Elapsed is { Ticks: > 0 } left ? left : TimeSpan.Zero, ct);
        Assert.Equal(acknowledgedDuringOutage, stream.Acknowledged.Count);

        var before = stream.Acknowledged.Keys.ToHashSet();
        await postgres.RestartAsync(ct);
        var back = Stopwatch.StartNew();
        var returnedAt = DateTimeOffset.UtcNow;
        string? first = null;
        await Eventually.TrueAsync(() => Task.FromResult((first = stream.Acknowledged.Keys.FirstOrDefault(k => !before.Contains(k))) is not null), ResumeWithin,
            () => $"no submission acknowledged {ResumeWithin.TotalSeconds} s after the database returned: {string.Join(", ", stream.Answers)}\n{plane.Log}", ct);
        var apiResumed = back.Elapsed;
        var firstId = stream.Acknowledged[first!];
        await Eventually.TrueAsync(async () => (await cluster.PodsAsync(ct)).Any(p => WorkloadLabels.JobIdOf(p.Metadata)?.Value == firstId), ResumeWithin,
            () => $"the operator placed nothing {ResumeWithin.TotalSeconds} s after the database returned:\n{plane.Log}", ct);
        var operatorResumed = back.Elapsed;
        // The operator's first admission after the return, whichever job it was (the control plane's clock is this machine's).
        var firstAdmission = await FirstAdmissionAfterAsync(postgres.ConnectionString, returnedAt, ct);
        Assert.True(firstAdmission - returnedAt < ResumeWithin, $"the first admission after the database returned came {(firstAdmission - returnedAt).TotalSeconds:0.0} s later");

        await stream.StopAsync();
        JobLedger ledger = new([]);
        await Eventually.TrueAsync(async () => (ledger = await JobLedger.ReadAsync(postgres.ConnectionString, ct)).AllFinal, Patience,
            () => $"jobs still unfinished: {ledger.States}\n{plane.Log}", ct);
        IReadOnlyList<string> orphans = [];
        await Eventually.TrueAsync(async () => (orphans = ledger.Orphans(await cluster.PodsAsync(ct))).Count == 0, Patience,
            () => $"pods without a job: {string.Join(", ", orphans)}", ct);

        var lost = ledger.Lost(stream.Acknowledged);
        FaultReport.Write("PostgreSQL stopped 10 s", new Dictionary<string, object>
        {
            ["faults"] = 1, ["acknowledged"] = stream.Acknowledged.Count, ["lost"] = lost.Count, ["duplicated"] = ledger.Duplicated.Count,
            ["jobs"] = ledger.Jobs.Count, ["states"] = ledger.States, ["answers"] = stream.Answers, ["violations"] = cluster.Violations.Count,
            ["apiResumedSeconds"] = Math.Round(apiResumed.TotalSeconds, 2), ["operatorResumedSeconds"] = Math.Round(operatorResumed.TotalSeconds, 2),
            ["firstAdmissionSeconds"] = Math.Round((firstAdmission - returnedAt).TotalSeconds, 2),
        });
        Assert.Empty(lost);
        Assert.Empty(ledger.Duplicated);
        Assert.Empty(cluster.Violations);
        Assert.Empty(stream.Unexpected);
    }

    private static async Task<DateTimeOffset> FirstAdmissionAfterAsync(string connectionString, DateTimeOffset after, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("SELECT min(at) FROM job_events WHERE to_state = 'Admitted' AND at >= @after", connection);
        command.Parameters.AddWithValue("after", after);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetFieldValue<DateTimeOffset>(0);
    }
}
