using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application;
using Scheduler.Application.Identity;
using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Postgres;

namespace Scheduler.Api.Tests;

/// <summary>
/// The real host over a migrated database of the test class's own (or a given one, to restart on it). Every client it
/// creates (<see cref="WebApplicationFactory{TEntryPoint}.CreateClient()"/>) is signed in as the cluster admin
/// <see cref="AdminUser"/>; <see cref="ClientAs"/> gives one with another token, or none.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminUser = "test-admin";

    private TestDatabase? _database;

    /// <summary>A cluster admin's API token, created when the factory starts.</summary>
    public string AdminToken { get; private set; } = string.Empty;

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
        AdminToken = await Services.CreateAdminTokenAsync(AdminUser, "tests");
    }

    /// <summary>The one place test clients get their credentials: the admin's token unless a test asks for another.</summary>
    protected override void ConfigureClient(HttpClient client)
    {
        ArgumentNullException.ThrowIfNull(client);
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
    }

    /// <summary>A client that sends <paramref name="token"/> as its bearer token, or (null) no credentials at all.</summary>
    public HttpClient ClientAs(string? token, bool followRedirects = true)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = followRedirects });
        client.DefaultRequestHeaders.Authorization = token is null ? null : new AuthenticationHeaderValue("Bearer", token);
        return client;
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

    /// <summary>
    /// What the operator does when it places and starts a job (admit on one node, then Running), through the Application's
    /// own commands; answers the job token its pods would get (<c>SCHEDULER_TELEMETRY_TOKEN</c>) for that attempt.
    /// </summary>
    public async Task<string> StartJobAsync(Guid jobId)
    {
        await using var scope = Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var job = await sender.Send(new GetJob(jobId));
        Assert.True(job.IsSuccess, job.Failure?.Title);
        var admitted = await sender.Send(new AdmitJob(jobId, job.Value.Version, [new JobPodPlacement(0, "node-a", [0], 1000, 0, 0)], "training", "placed"));
        Assert.True(admitted.IsSuccess, admitted.Failure?.Title);
        var running = await sender.Send(new TransitionJob(jobId, JobState.Running, "started"));
        Assert.True(running.IsSuccess, running.Failure?.Title);
        return JobToken(jobId, running.Value.Attempt);
    }

    /// <summary>The credential the operator gives the pods of that attempt of that job.</summary>
    public string JobToken(Guid jobId, int attempt) => Services.GetRequiredService<JobTokens>().Issue(jobId, attempt);

    /// <summary>Rows per table, to show that a refused request changed nothing.</summary>
    /// <remarks>
    /// Unpooled: the host's pool is its own (its connection string gains Max Auto Prepare), so an idle connection of a pool
    /// of this helper's would outlive a database outage unnoticed and fail the first count after it.
    /// </remarks>
    public async Task<IReadOnlyDictionary<string, long>> RowCountsAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Database.ConnectionString) { Pooling = false }.ConnectionString);
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
