using System.Diagnostics;
using Npgsql;

namespace Scheduler.Faults.Tests.Support;

/// <summary>
/// A backup of a test database with <c>pg_dump</c>, and its restore over that database (dropped, created again, then
/// <c>pg_restore</c>) as an operator restores an older backup: everything written after the dump is gone.
/// </summary>
internal static class DatabaseBackup
{
    /// <summary>Where <c>.ci/postgres.sh</c> finds PostgreSQL's programs.</summary>
    private static string Bin => Environment.GetEnvironmentVariable("PGBIN") is { Length: > 0 } bin ? bin : "/usr/lib/postgresql/15/bin";

    /// <summary>A custom-format dump of the database, in a file of its own.</summary>
    public static async Task<string> DumpAsync(string connectionString, CancellationToken ct)
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("faults-backup").FullName, "scheduler.dump");
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        await RunAsync("pg_dump", [.. Server(target), "--format=custom", $"--file={file}", target.Database!], ct);
        return file;
    }

    /// <summary>The database dropped (its connections cut), created empty and filled from <paramref name="dump"/>.</summary>
    public static async Task RestoreAsync(string connectionString, string dump, CancellationToken ct)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(maintenance.ConnectionString))
        {
            await connection.OpenAsync(ct);
            foreach (var sql in new[] { $"DROP DATABASE \"{target.Database}\" WITH (FORCE)", $"CREATE DATABASE \"{target.Database}\"" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(ct);
            }
        }

        // This process's pooled connections to the dropped database are dead.
        NpgsqlConnection.ClearAllPools();
        await RunAsync("pg_restore", [.. Server(target), "--no-owner", $"--dbname={target.Database}", dump], ct);
        Directory.Delete(Path.GetDirectoryName(dump)!, recursive: true);
    }

    private static IEnumerable<string> Server(NpgsqlConnectionStringBuilder target) =>
        [$"--host={target.Host}", $"--port={target.Port}", $"--username={target.Username}", "--no-password"];

    private static async Task RunAsync(string program, IEnumerable<string> arguments, CancellationToken ct)
    {
        var start = new ProcessStartInfo(Path.Combine(Bin, program)) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start.");
        var output = process.StandardOutput.ReadToEndAsync(ct);
        var error = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} exited {process.ExitCode}: {await error}{await output}");
        }
    }
}
