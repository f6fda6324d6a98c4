using Npgsql;

namespace Scheduler.Testing.Postgres;

/// <summary>One test class's own database on the shared test server.</summary>
public sealed class TestDatabase(string serverConnectionString, string name) : IAsyncDisposable
{
    public string Name { get; } = name;

    public string ConnectionString { get; } = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
