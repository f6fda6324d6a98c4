using k8s;
using System.Net.Http.Json;
using Scheduler.Faults.Tests.Support;
using Scheduler.Operator.Pods;
using Scheduler.Testing.Postgres;

namespace Scheduler.Faults.Tests;

/// <summary>Two control-plane replicas; the leader frozen with SIGSTOP past its lease, then thawed with SIGCONT.</summary>
public sealed class LeaderFailoverTests
{
    private const string LeaseName = "gpu-scheduler-operator";
    private const string LeaseNamespace = "default";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_paused_leader_that_wakes_after_its_lease_admits_nothing_and_no_gpu_is_bound_twice()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await FaultCluster.StartAsync(a100Nodes: 2);
        await using var database = await PostgresServer.CreateDatabaseAsync("faults_failover");
        var token = await ControlPlaneProcess.MigrateAsync(database.ConnectionString, ct);
        await using var first = ControlPlaneProcess.Create("replica-a", database.ConnectionString, cluster.Kubeconfig, FaultCluster.Namespace);
        await using var second = ControlPlaneProcess.Create("replica-b", database.ConnectionString, cluster.Kubeconfig, FaultCluster.Namespace);
        await first.StartAsync(ct);
        await Eventually.TrueAsync(async () => await HolderAsync(cluster, ct) == first.Name, Patience, () => $"replica-a never led:\n{first.Log}", ct);
        await second.StartAsync(ct);
        // Clients talk to the replica that stays up; either one serves the API whoever leads.
        using var client = second.Client(token);
        (await client.PutAsJsonAsync($"/api/v1/queues/{SubmissionStream.Queue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 16 } }, ct)).EnsureSuccessStatusCode();
        await using var stream = SubmissionStream.Start(() => client, "failover", runtime: TimeSpan.FromSeconds(1.5));
        await Eventually.TrueAsync(async () => stream.Acknowledged.Count >= 5 && (await cluster.PodsAsync(ct)).Count > 0, Patience,
            () => $"replica-a placed nothing:\n{first.Log}", ct);

        first.Pause();
        await Eventually.TrueAsync(async () => await HolderAsync(cluster, ct) == second.Name, Patience,
            () => $"replica-b did not take the lease over:\n{second.Log}", ct);
        var placedBefore = (await cluster.PodsAsync(ct)).Select(p => WorkloadLabels.JobIdOf(p.Metadata)?.Value).ToHashSet();
        await Eventually.TrueAsync(async () => (await cluster.PodsAsync(ct)).Any(p => !placedBefore.Contains(WorkloadLabels.JobIdOf(p.Metadata)?.Value)), Patience,
            () => $"replica-b placed nothing after taking over:\n{second.Log}", ct);

        first.Resume();
        // The thawed leader notices it lost the lease (or is fenced by the newer term on its first write) and steps down.
        await Eventually.TrueAsync(() => Task.FromResult(first.Log.Contains("lost leadership", StringComparison.Ordinal) || first.Log.Contains("was fenced", StringComparison.Ordinal)), Patience,
            () => $"replica-a did not step down after SIGCONT:\n{first.Log}", ct);
        var acknowledged = stream.Acknowledged.Count;
        await Eventually.TrueAsync(() => Task.FromResult(stream.Acknowledged.Count >= acknowledged + 3), Patience, () => "submissions stopped after the failover", ct);

        await stream.StopAsync();
        JobLedger ledger = new([]);
        // Everything submitted meanwhile drains through 16 GPUs: longer than the other waits on a loaded machine.
        await Eventually.TrueAsync(async () => (ledger = await JobLedger.ReadAsync(database.ConnectionString, ct)).AllFinal, 2 * Patience,
            () => $"jobs still unfinished: {ledger.States}\n{second.Log}", ct);
        var lost = ledger.Lost(stream.Acknowledged);
        FaultReport.Write("leader SIGSTOP past its lease, then SIGCONT", new Dictionary<string, object>
        {
            ["faults"] = 1, ["acknowledged"] = stream.Acknowledged.Count, ["lost"] = lost.Count, ["duplicated"] = ledger.Duplicated.Count,
            ["jobs"] = ledger.Jobs.Count, ["states"] = ledger.States, ["violations"] = cluster.Violations.Count,
        });
        Assert.Equal(second.Name, await HolderAsync(cluster, ct));
        Assert.Empty(lost);
        Assert.Empty(ledger.Duplicated);
        Assert.Empty(cluster.Violations);
        Assert.Empty(stream.Unexpected);
    }

    private static async Task<string?> HolderAsync(FaultCluster cluster, CancellationToken ct)
    {
        try
        {
            return (await cluster.Client.CoordinationV1.ReadNamespacedLeaseAsync(LeaseName, LeaseNamespace, cancellationToken: ct)).Spec?.HolderIdentity;
        }
        catch (k8s.Autorest.HttpOperationException)
        {
            return null;
        }
    }
}
