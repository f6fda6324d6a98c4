using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Metrics;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;
using Scheduler.Simulation.ApiServer;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Cycle;

/// <summary>
/// One cycle step alone: a fresh fake API server (the real client's calls), an inventory the test feeds by hand (no watch),
/// and a <see cref="RecordingStore"/> in place of PostgreSQL.
/// </summary>
internal sealed class CycleFixture : IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private CycleFixture(FakeApiServer server)
    {
        Server = server;
        Client = server.CreateClient();
        Inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), TimeProvider.System);
        Workloads = new WorkloadClient(Client);
        Pods = new JobPods(new PodFactory(new WorkloadOptions()), Workloads, Inventory, Term);
        Metrics = new SchedulerMetrics(Prometheus.Metrics.NewCustomRegistry());
    }

    public FakeApiServer Server { get; }

    public IKubernetes Client { get; }

    public ClusterInventory Inventory { get; }

    public WorkloadClient Workloads { get; }

    public JobPods Pods { get; }

    public SchedulerMetrics Metrics { get; }

    public RecordingStore Store { get; } = new();

    public static async Task<CycleFixture> StartAsync() => new(await FakeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken));

    public DecisionApplier Applier(int backoffLimit = 3) => Applier(Pods, backoffLimit);

    /// <summary>A decision applier whose API calls go through <paramref name="pods"/> (e.g. a client that fails some calls).</summary>
    public DecisionApplier Applier(JobPods pods, int backoffLimit = 3) =>
        new(Store, pods, Creation(pods, backoffLimit), Metrics, TimeProvider.System, NullLogger<DecisionApplier>.Instance);

    /// <summary>This operator's term and installation (none until a test begins one).</summary>
    public LeadershipTerm Term { get; } = new();

    public Reconciler Reconciler(
        int backoffLimit = 3, int maxUnknownPodDeletions = OrphanGuard.DefaultMaxUnknownPodDeletions, TimeProvider? time = null, ILogger<Reconciler>? logger = null) => new(
        Store, Inventory, new JobReconciler(backoffLimit), new OrphanFinder(OrphanFinder.DefaultFinishedPodRetention), new OrphanGuard(maxUnknownPodDeletions), Term,
        Pods, Creation(Pods, backoffLimit), Workloads, Metrics,
        time ?? TimeProvider.System, new OperatorSettings(new KubernetesOptions(), new PolicyOptions(), new IntervalOptions()), logger ?? NullLogger<Reconciler>.Instance);

    private PodCreation Creation(JobPods pods, int backoffLimit) => new(Store, pods, new JobReconciler(backoffLimit), NullLogger<PodCreation>.Instance);

    /// <summary>A one-pod job on <c>node-a</c> (GPUs 0-3), attempt 1, in the <c>default</c> namespace.</summary>
    public static OperatorJob Job(string name, JobState state, int pods = 1) => new()
    {
        Id = new JobId(Guid.CreateVersion7()),
        Name = name,
        Queue = "research",
        Namespace = "default",
        PriorityClass = "normal",
        State = state,
        Spec = AJob(name).Gpus(4 * pods, gpusPerNode: 4).Build(),
        Attempt = 1,
        Version = 1,
        Placement = state == JobState.Queued ? null : Enumerable.Range(0, pods).Select(r => new JobPodPlacement(r, $"node-{(char)('a' + r)}", [0, 1, 2, 3], 1000, 0, 0)).ToList(),
    };

    /// <summary>Makes the API server refuse the pods of <paramref name="job"/> (and only those) with <paramref name="refusal"/>, as admission would.</summary>
    public void RefusePodsOf(OperatorJob job, AdmissionRefusal refusal) =>
        Server.Admission = (kind, _, obj) =>
            kind == "Pod" && obj["metadata"]?["labels"]?["gpu-scheduler.io/job-id"]?.GetValue<string>() == job.Id.ToString() ? refusal : null;

    /// <summary>Tells the inventory of GPU nodes <c>node-a</c>, <c>node-b</c>… as a node watch would.</summary>
    public void AddNodes(params string[] names)
    {
        foreach (var name in names)
        {
            Inventory.Apply(new ResourceEvent<V1Node>(ResourceEventType.Added, new V1Node
            {
                Metadata = new V1ObjectMeta { Name = name },
                Status = new V1NodeStatus
                {
                    Allocatable = new Dictionary<string, ResourceQuantity> { ["nvidia.com/gpu"] = new("8") },
                    Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }],
                },
            }));
        }
    }

    /// <summary>The pods the API server has of the job, as the inventory's pod watch would deliver them.</summary>
    public async Task<IReadOnlyList<V1Pod>> SyncPodsAsync(OperatorJob job)
    {
        var pods = await Workloads.ListPodsOfJobAsync(job.Id, TestContext.Current.CancellationToken);
        foreach (var pod in pods)
        {
            Inventory.Apply(new ResourceEvent<V1Pod>(ResourceEventType.Modified, pod));
        }

        return pods;
    }

    /// <summary>Sets the pod's phase (and the trainer's exit code) as a kubelet reports it.</summary>
    public async Task SetPhaseAsync(V1Pod pod, string phase, int? exitCode = null)
    {
        pod.Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses = exitCode is null ? null :
                [new V1ContainerStatus { Name = "trainer", Image = "x", ImageID = "x", Ready = false, RestartCount = 0, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode.Value } } }],
        };
        await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Name(), pod.Namespace(), cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>An <see cref="IOperatorStore"/> that records each write (and what the API server held at that moment) and answers as told.</summary>
internal sealed class RecordingStore : IOperatorStore
{
    public List<string> Writes { get; } = [];

    /// <summary>The reason of each write, in the order of <see cref="Writes"/>.</summary>
    public List<string> Reasons { get; } = [];

    public List<PendingUpdate> Pending { get; } = [];

    /// <summary>Whether writes succeed (false: the job moved meanwhile, as a version conflict answers).</summary>
    public bool Accepts { get; set; } = true;

    /// <summary>Writes about the job of this name throw (a database error), as a failing store would.</summary>
    public string? Throws { get; set; }

    /// <summary>Runs at each write, before it is recorded: lets a test look at the API server at that moment.</summary>
    public Func<Task<string>>? Observe { get; set; }

    public Task<IReadOnlyList<OperatorQueue>> QueuesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<OperatorQueue>>([]);

    public Task<IReadOnlyList<OperatorJob>> ActiveJobsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<OperatorJob>>([]);

    public async Task<OperatorJob?> AdmitAsync(OperatorJob job, IReadOnlyList<JobPodPlacement> placement, string reason, CancellationToken cancellationToken)
    {
        ThrowIfTold(job);
        Reasons.Add(reason);
        await RecordAsync($"{job.Name} Admitted ({reason})");
        return Accepts ? job with { State = JobState.Admitted, Attempt = job.Attempt + 1, Version = job.Version + 1, Placement = placement } : null;
    }

    public async Task<bool> TransitionAsync(OperatorJob job, JobState to, string reason, CancellationToken cancellationToken)
    {
        ThrowIfTold(job);
        Reasons.Add(reason);
        await RecordAsync($"{job.Name} {to}");
        return Accepts;
    }

    public async Task<bool> RetryAsync(OperatorJob job, string reason, CancellationToken cancellationToken)
    {
        ThrowIfTold(job);
        Reasons.Add(reason);
        await RecordAsync($"{job.Name} retry");
        return Accepts;
    }

    /// <summary>Jobs the "database" has a row for beyond the active ones the test passes (null: every job is known).</summary>
    public HashSet<JobId>? Known { get; set; }

    public Task<LeadershipTerm> BeginTermAsync(string identity, CancellationToken cancellationToken) =>
        throw new NotSupportedException("the cycle steps never begin a term; the loop does");

    public Task<IReadOnlySet<JobId>> KnownJobsAsync(IReadOnlyCollection<JobId> jobIds, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlySet<JobId>>(Known is null ? jobIds.ToHashSet() : jobIds.Where(Known.Contains).ToHashSet());

    public Task SetPendingAsync(IReadOnlyList<PendingUpdate> updates, CancellationToken cancellationToken)
    {
        Pending.AddRange(updates);
        return Task.CompletedTask;
    }

    /// <summary>What <see cref="DependencyTargetsAsync"/> answers: the jobs each stored dependency id names.</summary>
    public Dictionary<Guid, IReadOnlyList<DependencyTarget>> Targets { get; } = [];

    public Task<IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>>> DependencyTargetsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>>>(ids.ToDictionary(id => id, id => Targets.GetValueOrDefault(id) ?? []));

    private void ThrowIfTold(OperatorJob job)
    {
        if (job.Name == Throws)
        {
            throw new InvalidOperationException($"the store failed on {job.Name}");
        }
    }

    private async Task RecordAsync(string write) => Writes.Add(Observe is null ? write : $"{write} [{await Observe()}]");
}
