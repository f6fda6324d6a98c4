using Npgsql;
using Testcontainers.PostgreSql;

namespace Scheduler.Testing.Postgres;

/// <summary>
/// The PostgreSQL server the tests use, in this order: <c>SCHEDULER_TEST_DB</c> (a connection string; <c>make test</c> sets it),
/// a Testcontainers server when Docker is reachable, else a clear failure that says how to get one.
/// </summary>
public static class PostgresServer
{
    public const string Variable = "SCHEDULER_TEST_DB";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static string? _connectionString;

    public static async Task<string> ConnectionStringAsync()
    {
        if (_connectionString is not null)
        {
            return _connectionString;
        }

        await Gate.WaitAsync();
        try
        {
            return _connectionString ??= Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } configured
                ? configured
                : await StartContainerAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>A new, uniquely named empty database, dropped when disposed; each test class gets its own.</summary>
    public static async Task<TestDatabase> CreateDatabaseAsync(string purpose)
    {
        var server = await ConnectionStringAsync();
        // At most 5 + 24 + 1 + 32 = 62 characters, within PostgreSQL's 63.
        var name = $"test_{Sanitize(purpose)}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        return new TestDatabase(server, name);
    }

    private static string Sanitize(string purpose)
    {
        var cleaned = new string(purpose.ToLowerInvariant().Where(char.IsAsciiLetterOrDigit).ToArray());
        return cleaned.Length > 24 ? cleaned[..24] : cleaned;
    }

    private static async Task<string> StartContainerAsync()
    {
        if (!DockerLooksReachable())
        {
            throw new InvalidOperationException(
                $"No PostgreSQL for the tests: set {Variable} to a connection string (`make test` starts a throwaway server and sets it), " +
                "or make Docker reachable for Testcontainers. For example: " +
                $"export {Variable}=\"$(.ci/postgres.sh start /var/tmp/pg-test $(.ci/postgres.sh free-port) --throwaway)\"");
        }

        var container = new PostgreSqlBuilder("postgres:16-alpine").Build();
        await container.StartAsync();
        // Lives as long as the test process; Testcontainers' reaper removes it afterwards.
        return container.GetConnectionString();
    }

    private static bool DockerLooksReachable() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } || File.Exists("/var/run/docker.sock");
}
