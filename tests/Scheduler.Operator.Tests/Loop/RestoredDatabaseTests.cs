using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Metrics;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// The database is restored from a backup older than the running jobs: the operator that starts on it finds pods of jobs it
/// has no record of, and the orphan guard keeps them (more than the limit one pass may delete) instead of killing the work.
/// </summary>
public sealed class RestoredDatabaseTests : IAsyncLifetime
{
    private OperatorHarness _harness = null!;

    public async ValueTask InitializeAsync()
    {
        _harness = await OperatorHarness.StartAsync("restored", a100Nodes: 2);
        await _harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = 16 });
    }

    public ValueTask DisposeAsync() => _harness.DisposeAsync();

    [Fact]
    public async Task An_operator_on_a_database_restored_without_the_running_jobs_deletes_none_of_their_pods()
    {
        var before = await _harness.StartOperatorAsync("operator-a");
        var jobs = new List<Guid>();
        foreach (var name in new[] { "newest-1", "newest-2", "newest-3" })
        {
            jobs.Add((await _harness.SubmitAsync(OperatorHarness.RunningFor(AJob(name), TimeSpan.FromSeconds(600)))).Id);
        }

        foreach (var id in jobs)
        {
            await _harness.WaitForStateAsync(id, JobState.Running);
        }

        var pods = new Dictionary<Guid, string>();
        foreach (var id in jobs)
        {
            pods[id] = Assert.Single(await _harness.PodsOfAsync(id)).Metadata.Uid;
        }

        await before.DisposeAsync();
        await ForgetJobsAsync(jobs);

        await using var after = await _harness.StartOperatorAsync("operator-b", new Dictionary<string, string?> { ["Scheduler:Policy:MaxUnknownPodDeletions"] = "2" });
        var metrics = after.Services.GetRequiredService<SchedulerMetrics>();
        await _harness.WaitAsync(() => Task.FromResult(metrics.OrphansWithheld.Value >= 3), () => "the orphan guard withheld nothing");
        var cycles = after.Cycles;
        await OperatorHarness.WaitUntilAsync(() => Task.FromResult(after.Cycles >= cycles + 5), because: () => "the operator ran no cycles");

        foreach (var id in jobs)
        {
            var pod = Assert.Single(await _harness.PodsOfAsync(id));
            Assert.Equal(pods[id], pod.Metadata.Uid);
            Assert.Null(pod.Metadata.DeletionTimestamp);
        }
    }

    /// <summary>What a restore from a backup taken before these jobs were submitted leaves: no row of them anywhere.</summary>
    private async Task ForgetJobsAsync(IReadOnlyList<Guid> ids)
    {
        await using var connection = new NpgsqlConnection(_harness.Database.ConnectionString);
        await connection.OpenAsync();
        await using var delete = new NpgsqlCommand("TRUNCATE jobs CASCADE", connection);
        await delete.ExecuteNonQueryAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM jobs WHERE id = ANY(@ids)", connection);
        count.Parameters.AddWithValue("ids", ids.ToArray());
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }
}
