using k8s;
using k8s.Models;
using Mediator;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using Scheduler.Admission;
using Scheduler.Application;
using Scheduler.Application.Jobs;
using Scheduler.Application.Queues;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.CustomResources;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Pods;
using Scheduler.Simulation.Cluster;
using Scheduler.Testing.Builders;
using Scheduler.Testing.Postgres;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// A migrated database of the test's own, a cluster with GPU nodes a kwok-like kubelet drives (<see cref="LoopCluster"/>:
/// by default the embedded simulated cluster, one simulated hour per real second) and as many operator hosts as a test
/// starts, each wired exactly as the API host wires it (<c>AddOperatorLoop</c>) but with short intervals and leases. Jobs and queues go in through the application's commands, as REST sends them.
/// </summary>
internal sealed class OperatorHarness : IAsyncDisposable
{
    /// <summary>Simulated seconds per real second.</summary>
    public const double ClockSpeed = 3600;

    public const string Queue = "research";

    /// <summary>How long a wait for the operator loop may take: generous, since CI runs every test project at once on 2 cores.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly IHost _app;
    private readonly List<OperatorInstance> _operators = [];

    private OperatorHarness(TestDatabase database, LoopCluster nodes, IHost app, int backoffLimit)
    {
        Database = database;
        Nodes = nodes;
        Client = nodes.CreateClient();
        _app = app;
        BackoffLimit = backoffLimit;
    }

    public TestDatabase Database { get; }

    /// <summary>The embedded simulated cluster; harnesses on an API-only kubelet have none (use <see cref="Nodes"/>).</summary>
    public SimulatedCluster Cluster => Nodes.Simulated
        ?? throw new InvalidOperationException("This harness runs on the nodes of an API-only kubelet; use Nodes.");

    /// <summary>The cluster and its GPU nodes, whichever kind it is.</summary>
    public LoopCluster Nodes { get; }

    /// <summary>Where REST-submitted jobs' pods go.</summary>
    public string Namespace => Nodes.Namespace;

    public IKubernetes Client { get; }

    public int BackoffLimit { get; }

    public static Task<OperatorHarness> StartAsync(string purpose, int a100Nodes = 2, int h100Nodes = 0, int backoffLimit = 2, double clockSpeed = ClockSpeed) =>
        StartAsync(purpose, InProcessLoopCluster.StartAsync, a100Nodes, h100Nodes, backoffLimit, clockSpeed);

    /// <summary>A harness on the cluster <paramref name="cluster"/> starts (the embedded one, or fake nodes of an API-only kubelet).</summary>
    public static async Task<OperatorHarness> StartAsync(string purpose, LoopClusterFactory cluster, int a100Nodes = 2, int h100Nodes = 0, int backoffLimit = 2, double clockSpeed = ClockSpeed)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var pools = new List<SimulatedNodePool>();
        if (a100Nodes > 0)
        {
            pools.Add(new SimulatedNodePool("A100-80GB", a100Nodes));
        }

        if (h100Nodes > 0)
        {
            pools.Add(new SimulatedNodePool("H100-SXM", h100Nodes));
        }

        var nodes = await cluster(pools, clockSpeed);
        TestDatabase? database = null;
        try
        {
            database = await PostgresServer.CreateDatabaseAsync(purpose);
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Scheduler"] = database.ConnectionString });
            builder.AddApplicationServices();
            var app = builder.Build();
            await app.Services.MigrateDatabaseAsync();
            return new OperatorHarness(database, nodes, app, backoffLimit);
        }
        catch
        {
            await nodes.DisposeAsync();
            if (database is not null)
            {
                await database.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// An operator host on this database and cluster; started, so it campaigns for leadership at once. <paramref name="settings"/>
    /// go on top of the harness's own (e.g. the node not-ready grace, the orphan collection's intervals); <paramref name="client"/>
    /// replaces the operator's own client (one whose requests the test intercepts).
    /// </summary>
    public async Task<OperatorInstance> StartOperatorAsync(
        string identity, IReadOnlyDictionary<string, string?>? settings = null, bool syncCustomResources = false, IKubernetes? client = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Scheduler"] = Database.ConnectionString,
            ["Scheduler:Intervals:SchedulingCycle"] = "00:00:00.2",
            ["Scheduler:Intervals:CycleDebounce"] = "00:00:00.02",
            ["Scheduler:Kubernetes:DefaultNamespace"] = Nodes.Namespace,
            ["Scheduler:Kubernetes:LeaderElection:Identity"] = identity,
            ["Scheduler:Kubernetes:LeaderElection:Namespace"] = Nodes.LeaseNamespace,
            ["Scheduler:Kubernetes:LeaderElection:LeaseDuration"] = Nodes.LeaderElection.Lease.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Scheduler:Kubernetes:LeaderElection:RenewDeadline"] = Nodes.LeaderElection.RenewDeadline.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Scheduler:Kubernetes:LeaderElection:RetryPeriod"] = Nodes.LeaderElection.Retry.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
            ["Scheduler:Policy:BackoffLimit"] = BackoffLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Scheduler:Policy:PreemptionGracePeriodSeconds"] = "5",
        });
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        builder.AddApplicationServices();
        builder.Services.AddSingleton(Prometheus.Metrics.NewCustomRegistry());
        builder.Services.AddSingleton(new ResourceWatcherOptions { InitialBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromSeconds(1) });
        builder.Services.AddSingleton(client ?? Nodes.CreateClient());
        if (syncCustomResources)
        {
            builder.Services.AddCustomResourceSync(new CustomResourceSyncOptions
            {
                ResyncInterval = TimeSpan.FromMilliseconds(200),
                Namespace = Nodes.SyncOwnNamespaceOnly ? Nodes.Namespace : null,
            });
        }

        builder.AddOperatorLoop(OperatorServices.ReadSettings(builder.Configuration), KubernetesMode.Simulated);
        var host = builder.Build();
        await host.StartAsync();
        var instance = new OperatorInstance(identity, host);
        _operators.Add(instance);
        return instance;
    }

    public async Task PutQueueAsync(IReadOnlyDictionary<string, int> nominalQuota, string name = Queue)
    {
        var result = await SendAsync(new PutQueue(name, new QueueSpec { NominalQuota = nominalQuota, Namespaces = [Namespace] }));
        Assert.True(result.IsSuccess, result.Failure?.ToString());
    }

    public async Task<JobDetails> SubmitAsync(JobSpec spec)
    {
        var result = await SendAsync(new SubmitJob(spec));
        Assert.True(result.IsSuccess, result.Failure?.ToString());
        return result.Value.Job;
    }

    public async Task<JobDetails> GetJobAsync(Guid id) => (await SendAsync(new GetJob(id))).Value!;

    public async Task<IReadOnlyList<JobEventDetails>> EventsAsync(Guid id) => (await SendAsync(new GetJobEvents(id))).Value!;

    public async Task<JobDetails> AdmitAsync(Scheduler.Application.Scheduling.AdmitJob command)
    {
        var result = await SendAsync(command);
        Assert.True(result.IsSuccess, result.Failure?.ToString());
        return result.Value;
    }

    public async Task TransitionAsync(Guid id, JobState to) =>
        Assert.True((await SendAsync(new TransitionJob(id, to, "moved by the test"))).IsSuccess);

    public async Task<IReadOnlyList<Scheduler.Application.Scheduling.QueueUsage>> QueueUsageAsync(TimeSpan halfLife) =>
        await SendAsync(new Scheduler.Application.Scheduling.ListQueueUsage(halfLife));

    public async Task CancelAsync(Guid id) => Assert.True((await SendAsync(new CancelJob(id))).IsSuccess);

    /// <summary>Waits until the job is in <paramref name="state"/>; fails with its last state and reason otherwise.</summary>
    public async Task<JobDetails> WaitForStateAsync(Guid id, JobState state, TimeSpan? timeout = null)
    {
        JobDetails? job = null;
        await WaitUntilAsync(async () => (job = await GetJobAsync(id)).State == state, timeout ?? Nodes.Patience,
            () => $"job {id} did not reach {state}; it is {job?.State} ({job?.Reason}, pending: {job?.PendingReason}){Nodes.Diagnostics}");
        return job!;
    }

    /// <summary><see cref="WaitUntilAsync"/> with this cluster's patience.</summary>
    public Task WaitAsync(Func<Task<bool>> condition, Func<string>? because = null) =>
        WaitUntilAsync(condition, Nodes.Patience, () => (because?.Invoke() ?? "the condition did not become true in time") + Nodes.Diagnostics);

    /// <summary>Every pod we own of the job, in every namespace (terminated ones included until they are deleted).</summary>
    public async Task<IReadOnlyList<V1Pod>> PodsOfAsync(Guid jobId)
    {
        var pods = await Client.CoreV1.ListPodForAllNamespacesAsync(labelSelector: $"{WorkloadLabels.JobId}={jobId}");
        return pods.Items.OrderBy(p => p.Name(), StringComparer.Ordinal).ToList();
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null, Func<string>? because = null)
    {
        var deadline = DateTimeOffset.UtcNow + (timeout ?? Patience);
        while (!await condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail(because?.Invoke() ?? "the condition did not become true in time");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>A spec whose predicted runtime is <paramref name="real"/> of wall-clock time under the simulated clock.</summary>
    public static JobSpec RunningFor(JobSpecBuilder builder, TimeSpan real)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var spec = builder.InQueue(Queue).Build();
        var hours = new Estimator(GpuCatalog.Default).Estimate(JobSpecNormalizer.Normalize(spec)).WallHours;
        var simulatedHours = real.TotalSeconds * ClockSpeed / 3600;
        return spec with { Training = spec.Training! with { Tokens = Math.Round(spec.Training.Tokens!.Value * simulatedHours / hours) } };
    }

    /// <summary>
    /// Ends every pod of the job now with <paramref name="exitCode"/> (0: Succeeded): the simulated kubelet reads the annotations
    /// each tick. Tests give jobs long runtimes and end their pods themselves, so that no state they wait for (Running, a pod
    /// to fail) can pass while a loaded machine keeps the test from looking.
    /// </summary>
    public async Task EndPodsAsync(Guid jobId, int exitCode = 0)
    {
        foreach (var pod in await PodsOfAsync(jobId))
        {
            if (pod.Metadata.Annotations?.ContainsKey(SimulatedPodAnnotations.ExitCode) != true)
            {
                await EndPodAsync(pod.Name(), exitCode, pod.Namespace());
            }
        }
    }

    /// <summary>Ends one pod now with <paramref name="exitCode"/>, as <see cref="EndPodsAsync"/> ends each.</summary>
    public async Task EndPodAsync(string name, int exitCode, string? @namespace = null)
    {
        var body = new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Annotations = new Dictionary<string, string>
                {
                    [SimulatedPodAnnotations.ExitCode] = exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [SimulatedPodAnnotations.Runtime] = "0",
                },
            },
        };
        await Client.CoreV1.PatchNamespacedPodAsync(new V1Patch(body, V1Patch.PatchType.MergePatch), name, @namespace ?? Namespace);
    }

    public async Task<T> SendAsync<T>(ICommand<T> command)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(command);
    }

    private async Task<T> SendAsync<T>(IQuery<T> query)
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ISender>().Send(query);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in _operators)
        {
            await instance.DisposeAsync();
        }

        _app.Dispose();
        Client.Dispose();
        await Nodes.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>One operator host; <see cref="StopAsync"/> is its crash or shutdown.</summary>
internal sealed class OperatorInstance(string identity, IHost host) : IAsyncDisposable
{
    private bool _stopped;

    public string Identity { get; } = identity;

    public bool IsLeader => !_stopped && host.Services.GetRequiredService<OperatorLoop>().IsLeader;

    public int Cycles => host.Services.GetRequiredService<OperatorCycle>().Count;

    /// <summary>The host's services: a stopped host's singletons are still there (a paused replica's state).</summary>
    public IServiceProvider Services => host.Services;

    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await host.StopAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        host.Dispose();
    }
}
