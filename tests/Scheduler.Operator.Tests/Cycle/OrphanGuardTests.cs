using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class OrphanGuardTests : IAsyncLifetime
{
    private static readonly Guid Ours = Guid.CreateVersion7();

    private CycleFixture _cluster = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cluster = await CycleFixture.StartAsync();
        _cluster.AddNodes("node-a", "node-b");
    }

    public async ValueTask DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Pods_of_another_installation_are_never_deleted()
    {
        // Created by an operator on another database (a wrong connection string): stamped with its installation id.
        _cluster.Term.Begin(1, Guid.CreateVersion7());
        // Two pods, so that it has a Service too (a single-pod job has none).
        var theirs = CycleFixture.Job("theirs", JobState.Running, pods: 2);
        await _cluster.Pods.CreateAsync(theirs, theirs.Placement!, Ct);
        await _cluster.SyncPodsAsync(theirs);
        _cluster.Term.Begin(2, Ours);
        _cluster.Store.Known = [];

        await _cluster.Reconciler(maxUnknownPodDeletions: 100).ReconcileAsync([], Ct);

        var pods = await _cluster.Workloads.ListPodsOfJobAsync(theirs.Id, Ct);
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Null(p.Metadata.DeletionTimestamp));
        Assert.Single(await _cluster.Workloads.ListServicesAsync(Ct));
    }

    [Fact]
    public async Task More_pods_of_jobs_the_database_never_stored_than_the_limit_are_all_kept_logged_and_counted()
    {
        _cluster.Term.Begin(1, Ours);
        var missing = new[] { CycleFixture.Job("lost-1", JobState.Running), CycleFixture.Job("lost-2", JobState.Running), CycleFixture.Job("lost-3", JobState.Running) };
        var ended = CycleFixture.Job("ended", JobState.Running);
        foreach (var job in missing.Append(ended))
        {
            await _cluster.Pods.CreateAsync(job, job.Placement!, Ct);
            await _cluster.SyncPodsAsync(job);
        }

        // A restored backup: the three newest jobs have no row; the ended one has (it is only not active).
        _cluster.Store.Known = [ended.Id];

        await _cluster.Reconciler(maxUnknownPodDeletions: 2).ReconcileAsync([], Ct);

        foreach (var job in missing)
        {
            Assert.Null(Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(job.Id, Ct)).Metadata.DeletionTimestamp);
        }

        Assert.NotNull(Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(ended.Id, Ct)).Metadata.DeletionTimestamp);
        Assert.Equal(3, _cluster.Metrics.OrphansWithheld.Value);
    }

    [Fact]
    public async Task Withheld_pods_are_logged_again_only_when_their_count_changes_or_a_minute_passed()
    {
        _cluster.Term.Begin(1, Ours);
        var missing = new[] { CycleFixture.Job("lost-a", JobState.Running), CycleFixture.Job("lost-b", JobState.Running), CycleFixture.Job("lost-c", JobState.Running) };
        foreach (var job in missing)
        {
            await _cluster.Pods.CreateAsync(job, job.Placement!, Ct);
            await _cluster.SyncPodsAsync(job);
        }

        _cluster.Store.Known = [];
        var time = new FakeTimeProvider(CycleFixture.Now);
        var log = new EventLog<Reconciler>();
        var reconciler = _cluster.Reconciler(maxUnknownPodDeletions: 2, time: time, logger: log);

        for (var cycle = 0; cycle < 5; cycle++)
        {
            await reconciler.ReconcileAsync([], Ct);
            time.Advance(TimeSpan.FromMilliseconds(250));
        }

        Assert.Equal(1, log.Count(105));
        Assert.Equal(15, _cluster.Metrics.OrphansWithheld.Value);

        time.Advance(TimeSpan.FromMinutes(1));
        await reconciler.ReconcileAsync([], Ct);
        Assert.Equal(2, log.Count(105));
    }

    /// <summary>Counts the events written, by id.</summary>
    private sealed class EventLog<T> : ILogger<T>
    {
        private readonly List<int> _events = [];

        public int Count(int eventId)
        {
            lock (_events)
            {
                return _events.Count(e => e == eventId);
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (_events)
            {
                _events.Add(eventId.Id);
            }
        }
    }

    [Fact]
    public async Task Pods_of_jobs_the_database_never_stored_are_collected_within_the_limit()
    {
        _cluster.Term.Begin(1, Ours);
        var stray = CycleFixture.Job("stray", JobState.Running);
        await _cluster.Pods.CreateAsync(stray, stray.Placement!, Ct);
        await _cluster.SyncPodsAsync(stray);
        _cluster.Store.Known = [];

        await _cluster.Reconciler(maxUnknownPodDeletions: 2).ReconcileAsync([], Ct);

        Assert.NotNull(Assert.Single(await _cluster.Workloads.ListPodsOfJobAsync(stray.Id, Ct)).Metadata.DeletionTimestamp);
        Assert.Equal(0, _cluster.Metrics.OrphansWithheld.Value);
    }
}
