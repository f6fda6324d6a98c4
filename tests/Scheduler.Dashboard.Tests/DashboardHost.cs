using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mediator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application;
using Scheduler.Application.Dashboard;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Testing.Postgres;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// The real control plane on a real Kestrel port over a migrated PostgreSQL database of its own. The cluster is the one
/// port replaced: <see cref="Cluster"/> holds the nodes and pods a test places (the operator loop is not part of this host;
/// <see cref="SimulatedClusterHost"/> runs it).
/// </summary>
public class DashboardHost : WebApplicationFactory<Program>, IAsyncLifetime
{
    private TestDatabase? _database;

    public TestClusterView Cluster { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>A cluster admin's API token: <see cref="Http"/> sends it, and the browser signs in with it.</summary>
    public string AdminToken { get; private set; } = string.Empty;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync(GetType().Name);
        // Not UseKestrel(0): that writes the port into the server's addresses after the entry point built the host,
        // racing the entry point's own app.RunAsync(); when Kestrel starts first the write throws ("cannot be
        // modified after the server has started"). Options set before the build cannot race.
        UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        StartServer();
        await Services.MigrateDatabaseAsync();
        AdminToken = await Services.CreateAdminTokenAsync("dashboard-admin", "tests");
        var address = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal).Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("ConnectionStrings:Scheduler", _database!.ConnectionString);
        ConfigureCluster(builder);
    }

    /// <summary>The dashboard is tested against a cluster view of its own; no operator loop moves these jobs.</summary>
    protected virtual void ConfigureCluster(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("Scheduler:Kubernetes:Mode", "Disabled");
        builder.ConfigureTestServices(services => services.AddSingleton<IClusterView>(Cluster));
    }

    /// <summary>Polls the REST API until the job is in <paramref name="state"/>.</summary>
    public async Task WaitForStateAsync(Guid jobId, JobState state, TimeSpan timeout)
    {
        using var http = Http();
        var deadline = DateTimeOffset.UtcNow + timeout;
        string? last = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            using var body = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/jobs/{jobId}"));
            last = body.RootElement.GetProperty("state").GetString();
            if (last == state.ToString())
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail($"job {jobId} did not reach {state} within {timeout}; it is {last}");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    /// <summary>A client of the REST API, signed in as the cluster admin (the one place these tests get credentials).</summary>
    public HttpClient Http()
    {
        var http = new HttpClient { BaseAddress = BaseAddress };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        return http;
    }

    /// <summary>A client that speaks as the job's current attempt, with the token its pods get (<c>SCHEDULER_TELEMETRY_TOKEN</c>), as the trainer does.</summary>
    public async Task<HttpClient> TrainerHttpAsync(Guid jobId)
    {
        using var http = Http();
        using var job = JsonDocument.Parse(await http.GetStringAsync($"/api/v1/jobs/{jobId}"));
        var trainer = new HttpClient { BaseAddress = BaseAddress };
        var token = Services.GetRequiredService<Scheduler.Application.Identity.JobTokens>().Issue(jobId, job.RootElement.GetProperty("attempt").GetInt32());
        trainer.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return trainer;
    }

    public async Task PutQueueAsync(string name, object spec)
    {
        using var http = Http();
        (await http.PutAsJsonAsync($"/api/v1/queues/{name}", spec)).EnsureSuccessStatusCode();
    }

    /// <summary>Submits a GPT-2-small job through REST and answers its id.</summary>
    public async Task<Guid> SubmitAsync(string queue, string name, int gpus = 1, string gpuType = "A100-80GB", string? priorityClass = null, int? gpuMilli = null)
    {
        using var http = Http();
        var response = await http.PostAsJsonAsync("/api/v1/jobs", new
        {
            name,
            queue,
            priorityClass,
            model = new { layers = 12, hiddenSize = 768, heads = 12, vocabSize = 50257, seqLength = 1024 },
            training = new { tokens = 1e9, globalBatchSize = 8 * gpus },
            parallelism = new { data = gpus },
            resources = new { gpuType, gpus, gpuMilli },
        }, new JsonSerializerOptions { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>What the operator does when it places a gang: one pod of 8 GPUs per (node, rack), admitted in one batch.</summary>
    public async Task AdmitAsync(Guid jobId, params (string Node, string Rack)[] pods)
    {
        await using var scope = Services.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<ISender>();
        var job = (await sender.Send(new GetJob(jobId))).Value!;
        var placement = pods.Select((p, rank) => new JobPodPlacement(rank, p.Node, [0, 1, 2, 3, 4, 5, 6, 7], 1000, 0, 0, p.Rack)).ToList();
        var result = await sender.Send(new Scheduler.Application.Scheduling.AdmitJobs([new(jobId, job.Version, placement, "placed")], "training"));
        Assert.True(result.IsSuccess, result.Failure?.Title);
    }

    /// <summary>What the operator loop does when it places, starts or preempts a job: the Application's own transition command.</summary>
    public async Task TransitionAsync(Guid jobId, JobState to, string reason)
    {
        await using var scope = Services.CreateAsyncScope();
        var result = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new TransitionJob(jobId, to, reason));
        Assert.True(result.IsSuccess, result.Failure?.Title);
    }
}
