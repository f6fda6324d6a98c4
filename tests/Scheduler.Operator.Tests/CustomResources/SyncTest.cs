using k8s;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Scheduler.Application;
using Scheduler.Application.Queues;
using Scheduler.Domain.Queues;
using Scheduler.Kubernetes.Resources;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.CustomResources;
using Scheduler.Simulation.ApiServer;
using Scheduler.Testing.Builders;

namespace Scheduler.Operator.Tests.CustomResources;

/// <summary>
/// A fake API server per test, the real KubernetesClient, and the sync hosted the way the API hosts it, over the test
/// class's PostgreSQL database. The fake server knows one priority class more than the scheduler ("urgent"), so a spec
/// can pass the server and fail our validator, as one can on a real cluster whose schema is older than the scheduler.
/// With <paramref name="realCluster"/> the test runs against the cluster of KUBECONFIG instead (<see cref="RealCluster"/>).
/// </summary>
public abstract class SyncTest(SyncDatabase database, bool realCluster = false) : IClassFixture<SyncDatabase>, IAsyncLifetime
{
    public const string PriorityOnlyTheServerKnows = "urgent";

    private IHost? _sync;
    private ServiceProvider? _app;

    /// <summary>The fake API server; null when the test runs against a real cluster (<see cref="ConnectAsync"/> overridden).</summary>
    protected FakeApiServer? Server { get; private set; }

    protected IKubernetes Client { get; private set; } = null!;

    /// <summary>A queue name of this test's own (the database is shared by the class).</summary>
    protected string Queue { get; } = "q-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Where the test's TrainingJobs live: <c>default</c> on the fake server, a namespace of the test's own on a real cluster.</summary>
    protected string Namespace { get; private set; } = "default";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected static readonly TimeSpan Resync = TimeSpan.FromMilliseconds(100);

    public async ValueTask InitializeAsync()
    {
        Client = await ConnectAsync();
        var app = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        app.Configuration["ConnectionStrings:Scheduler"] = database.ConnectionString;
        app.AddApplicationServices();
        _app = app.Services.BuildServiceProvider();
    }

    private async Task<IKubernetes> ConnectAsync()
    {
        if (realCluster)
        {
            (var client, Namespace) = await RealCluster.ConnectAsync(Ct);
            return client;
        }

        var priorities = new Dictionary<string, int>(PriorityClasses.Default.Names.ToDictionary(n => n, PriorityClasses.Default.ValueOf))
        {
            [PriorityOnlyTheServerKnows] = 50_000,
        };
        Server = await FakeApiServer.StartAsync(new FakeApiServerOptions { Priorities = new PriorityClasses(priorities) }, Ct);
        return Server.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        if (realCluster && Client is not null)
        {
            // Before the sync stops: the test's TrainingJobs must lose our finalizer while it still runs.
            await RealCluster.CleanUpAsync(Client, Namespace, Queue);
        }

        await StopSyncAsync();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Client?.Dispose();
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts the sync (a new instance: a restart after <see cref="StopSyncAsync"/>), talking through
    /// <paramref name="client"/> when given (a client whose requests the test intercepts) or the test's own.
    /// </summary>
    protected async Task StartSyncAsync(IKubernetes? client = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration["ConnectionStrings:Scheduler"] = database.ConnectionString;
        builder.AddApplicationServices();
        builder.Services.AddSingleton(client ?? Client);
        builder.Services.AddCustomResourceSync(new CustomResourceSyncOptions
        {
            ResyncInterval = Resync,
            Watch = new ResourceWatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(500) },
        });
        _sync = builder.Build();
        await _sync.StartAsync(Ct);
    }

    protected async Task StopSyncAsync()
    {
        if (_sync is not null)
        {
            await _sync.StopAsync(CancellationToken.None);
            _sync.Dispose();
            _sync = null;
        }
    }

    /// <summary>Sends through the application in a scope of its own, as a REST request would.</summary>
    protected async Task<TResponse> SendAsync<TResponse>(ICommand<TResponse> command)
    {
        await using var scope = _app!.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command, Ct);
    }

    protected async Task<TResponse> QueryAsync<TResponse>(IQuery<TResponse> query)
    {
        await using var scope = _app!.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query, Ct);
    }

    protected async Task PutQueueAsync(string? name = null) =>
        Assert.True((await SendAsync(new PutQueue(name ?? Queue, new QueueSpec { NominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 16 }, Namespaces = [Namespace] }))).IsSuccess);

    protected TrainingJob AJob(string name, Func<JobSpecBuilder, JobSpecBuilder>? change = null) =>
        TrainingJob.From((change ?? (b => b))(JobSpecBuilder.AJob(name).InQueue(Queue)).Build(), Namespace);

    /// <summary>Polls until <paramref name="done"/> holds, or fails after <paramref name="timeout"/> with the last value.</summary>
    protected static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60)); // generous: CI runs every test project at once on 2 cores
        while (true)
        {
            var value = await probe();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow >= deadline)
            {
                Assert.Fail($"Not reached in time; last seen: {(value is null ? "null" : KubernetesJson.Serialize(value))}");
            }

            await Task.Delay(25, Ct);
        }
    }
}
