using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Scheduler.Application.Tests.Persistence;

/// <summary>
/// What a database restart leaves in the connection pool: connections the server has closed. The operator's recovery after an
/// outage (a cycle per trigger, the first one after the return succeeding) relies on Npgsql dropping them all at the first
/// one that fails, rather than handing each out once more to fail a cycle of its own; this keeps that assumption checked.
/// </summary>
public sealed class BrokenConnectionTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    private const int Idle = 5;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task After_the_server_ends_every_connection_one_failed_query_empties_the_pool_and_the_next_query_succeeds()
    {
        // Several connections left idle in the pool, as a busy control plane leaves them.
        var contexts = Enumerable.Range(0, Idle).Select(_ => fixture.NewDbContext()).ToList();
        foreach (var db in contexts)
        {
            await db.Database.OpenConnectionAsync(Ct);
            await db.Jobs.CountAsync(Ct);
        }

        foreach (var db in contexts)
        {
            await db.Database.CloseConnectionAsync();
            await db.DisposeAsync();
        }

        await EndEveryConnectionAsync();

        var failures = 0;
        while (failures <= Idle)
        {
            await using var db = fixture.NewDbContext();
            try
            {
                await db.Jobs.CountAsync(Ct);
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
            }
        }

        // Were the dead connections handed out one by one, each would fail a query of its own.
        Assert.Equal(1, failures);
    }

    /// <summary>As a restart does: the server ends every session of the database, and this waits until they are gone.</summary>
    private async Task EndEveryConnectionAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(fixture.ConnectionString) { Pooling = false }.ConnectionString;
        await using var connection = new NpgsqlConnection(admin);
        await connection.OpenAsync(Ct);
        const string Others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
        await using (var end = new NpgsqlCommand($"SELECT count(pg_terminate_backend(pid)) {Others}", connection))
        {
            Assert.True((long)(await end.ExecuteScalarAsync(Ct))! >= Idle);
        }

        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        await using var left = new NpgsqlCommand($"SELECT count(*) {Others}", connection);
        while ((long)(await left.ExecuteScalarAsync(Ct))! > 0)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, "the server did not end the sessions");
            await Task.Delay(50, Ct);
        }
    }
}
