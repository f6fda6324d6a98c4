using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scheduler.Application;
using Scheduler.Testing.Postgres;

namespace Scheduler.Operator.Tests.CustomResources;

/// <summary>A migrated database of the test class's own; every test uses its own queue names in it.</summary>
public sealed class SyncDatabase : IAsyncLifetime
{
    private TestDatabase? _database;

    public string ConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("The database is not created yet.");

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("crsync");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:Scheduler"] = _database.ConnectionString;
        builder.AddApplicationServices();
        await using var services = builder.Services.BuildServiceProvider();
        await services.MigrateDatabaseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }
}
