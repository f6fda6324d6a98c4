using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Scheduler.Application;
using Scheduler.Testing.Postgres;

namespace Scheduler.Api.Tests;

/// <summary>The real host over a migrated database of the test class's own (or a given one, to restart on it).</summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private TestDatabase? _database;

    /// <summary>Run on this database instead of a new one (a restart), and leave it in place when disposed.</summary>
    public TestDatabase? ExistingDatabase { get; init; }

    public TestDatabase Database => ExistingDatabase ?? _database ?? throw new InvalidOperationException("The factory is not initialised.");

    public async ValueTask InitializeAsync()
    {
        if (ExistingDatabase is null)
        {
            _database ??= await PostgresServer.CreateDatabaseAsync("api");
        }

        await Services.MigrateDatabaseAsync();
    }

    /// <summary>Further configuration of the host (limits a test class exercises), applied after the defaults.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Scheduler", Database.ConnectionString).UseSetting("Scheduler:Kubernetes:Mode", "Disabled");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    public async Task PutQueueAsync(string name)
    {
        using var client = CreateClient();
        var response = await client.PutAsJsonAsync($"/api/v1/queues/{name}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Rows per table, to show that a refused request changed nothing.</summary>
    public async Task<IReadOnlyDictionary<string, long>> RowCountsAsync()
    {
        await using var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        var counts = new Dictionary<string, long>();
        foreach (var table in new[] { "jobs", "job_events", "queues", "idempotency_keys" })
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            counts[table] = (long)(await count.ExecuteScalarAsync())!;
        }

        return counts;
    }
}
