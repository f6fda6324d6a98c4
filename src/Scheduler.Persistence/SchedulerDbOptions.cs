using Microsoft.EntityFrameworkCore;

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
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsAssembly(MigrationsAssembly))
            .UseSnakeCaseNamingConvention();
    }
}
