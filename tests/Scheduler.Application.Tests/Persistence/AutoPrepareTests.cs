using Microsoft.EntityFrameworkCore;
using Npgsql;
using Scheduler.Persistence;

namespace Scheduler.Application.Tests.Persistence;

/// <summary>Statements that repeat are prepared on their connection, so PostgreSQL parses and plans them once (SchedulerDbOptions).</summary>
public sealed class AutoPrepareTests(SchedulerFixture fixture) : IClassFixture<SchedulerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void A_connection_string_gets_automatic_preparation_unless_it_names_its_own()
    {
        const string server = "Host=127.0.0.1;Port=5432;Database=scheduler;Username=scheduler";

        Assert.Equal(SchedulerDbOptions.DefaultMaxAutoPrepare, new NpgsqlConnectionStringBuilder(SchedulerDbOptions.WithAutoPrepare(server)).MaxAutoPrepare);
        // A pooler in transaction mode cannot keep prepared statements: its operator's 0 stands.
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(SchedulerDbOptions.WithAutoPrepare(server + ";Max Auto Prepare=0")).MaxAutoPrepare);
        Assert.Equal(8, new NpgsqlConnectionStringBuilder(SchedulerDbOptions.WithAutoPrepare(server + ";MaxAutoPrepare=8")).MaxAutoPrepare);
    }

    [Fact]
    public async Task A_query_run_repeatedly_on_a_connection_is_prepared_there()
    {
        await using var db = fixture.NewDbContext();
        await db.Database.OpenConnectionAsync(Ct);
        for (var i = 0; i < 6; i++)
        {
            await db.Jobs.CountAsync(j => j.Queue == "prepared", Ct);
        }

        var prepared = await db.Database.SqlQuery<string>($"SELECT statement AS \"Value\" FROM pg_prepared_statements").ToListAsync(Ct);

        Assert.Contains(prepared, s => s.Contains("FROM jobs", StringComparison.Ordinal) && s.Contains("queue", StringComparison.Ordinal));
    }
}
