using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Scheduler.Persistence;

/// <summary>The one place that says how the scheduler talks to PostgreSQL, shared by the host, the migrations and the tests.</summary>
public static class SchedulerDbOptions
{
    /// <summary>Assembly that holds the migrations (the top-level <c>migrations/</c> project).</summary>
    public const string MigrationsAssembly = "Scheduler.Migrations";

    public static DbContextOptionsBuilder UseScheduler(this DbContextOptionsBuilder options, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options
            .UseNpgsql(WithAutoPrepare(connectionString), npgsql => npgsql.MigrationsAssembly(MigrationsAssembly))
            .UseSnakeCaseNamingConvention()
            // EF logs every failed connection, command and SaveChanges at Error, also those the caller expects and answers: a
            // resubmit's unique violation (409), a concurrency conflict retried, the database `migrate` is about to create.
            // The exception still reaches the caller, and what nobody handles is logged once where it surfaces (a 500, a job).
            // A failed query's iteration too: while PostgreSQL is away each 503 and each failed cycle would add a stack trace.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.ConnectionError, LogLevel.Debug),
                (RelationalEventId.CommandError, LogLevel.Debug),
                (CoreEventId.QueryIterationFailed, LogLevel.Debug),
                (CoreEventId.SaveChangesFailed, LogLevel.Debug),
                (CoreEventId.OptimisticConcurrencyException, LogLevel.Debug)));
    }

    /// <summary>How many statements Npgsql keeps prepared per physical connection unless the connection string says otherwise.</summary>
    public const int DefaultMaxAutoPrepare = 128;

    /// <summary>
    /// Npgsql prepares a statement on its connection once it has run five times: the cycle's, the API's and the trainers'
    /// statements repeat all day, and a prepared one costs PostgreSQL no parsing and planning. A connection string that names
    /// <c>Max Auto Prepare</c> keeps its value (0, e.g., for a pooler in transaction mode that cannot keep prepared statements).
    /// </summary>
    public static string WithAutoPrepare(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return connectionString.Replace(" ", string.Empty, StringComparison.Ordinal).Contains("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)
            ? connectionString
            : new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = DefaultMaxAutoPrepare }.ConnectionString;
    }
}
