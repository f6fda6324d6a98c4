using Scheduler.Application;

namespace Scheduler.Api.Hosting;

/// <summary>
/// <c>Scheduler.Api migrate --ConnectionStrings:Scheduler=...</c>: apply the migrations the database lacks, then exit; with
/// <c>--Scheduler:DataDir</c> (<c>make run</c>) also bootstrap the admin token file (<see cref="AdminTokenFile"/>).
/// </summary>
internal static class MigrateCommand
{
    public const string Verb = "migrate";

    public static bool IsRequested(string[] args) => args is [Verb, ..];

    public static async Task<int> RunAsync(WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigrateCommand));
        try
        {
            await app.Services.MigrateDatabaseAsync(app.Lifetime.ApplicationStopping);
            logger.LogInformation("The database is up to date.");
            if (app.Configuration["Scheduler:DataDir"] is { Length: > 0 } dataDir)
            {
                await AdminTokenFile.EnsureAsync(app.Services, dataDir, logger, app.Lifetime.ApplicationStopping);
            }

            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or Npgsql.NpgsqlException)
        {
            logger.LogError(ex, "Migrating the database failed.");
            return 1;
        }
    }
}
