using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scheduler.Application.Queues;
using Scheduler.Domain.Queues;
using Scheduler.Persistence;
using Scheduler.Testing.Postgres;

namespace Scheduler.Application.Tests;

/// <summary>The application services over a migrated database of the test class's own.</summary>
public sealed class SchedulerFixture : IAsyncLifetime
{
    private TestDatabase? _database;
    private ServiceProvider? _services;

    public IServiceProvider Services => _services ?? throw new InvalidOperationException("The fixture is not initialised.");

    public string ConnectionString => _database!.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync("application");
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:Scheduler"] = _database.ConnectionString;
        builder.AddApplicationServices();
        _services = builder.Services.BuildServiceProvider();
        await _services.MigrateDatabaseAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>Sends in a scope of its own, as one HTTP request would.</summary>
    public async Task<TResponse> SendAsync<TResponse>(ICommand<TResponse> command)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command);
    }

    public async Task<TResponse> QueryAsync<TResponse>(IQuery<TResponse> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query);
    }

    public SchedulerDbContext NewDbContext()
    {
        var options = new DbContextOptionsBuilder<SchedulerDbContext>();
        options.UseScheduler(ConnectionString);
        return new SchedulerDbContext(options.Options);
    }

    public Task EnsureQueueAsync(string name, string? defaultPriorityClass = null) =>
        SendAsync(new PutQueue(name, new QueueSpec
        {
            NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            DefaultPriorityClass = defaultPriorityClass,
        }));
}
