using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;
using Scheduler.Application.Dashboard;

namespace Scheduler.Operator.Metrics;

/// <summary>
/// Sets the gauges that mirror stored and cluster state (jobs per queue and state, quota, budget, GPU capacity and
/// allocation, telemetry MFU of running jobs per GPU type) just before each scrape, from the same read models as the dashboard. Label sets that disappeared since the
/// last scrape (a deleted queue, a removed node) are dropped. A failed or slow read keeps the previous values and is
/// logged: a scrape waits at most <see cref="RefreshTimeout"/> for them, because the counters and histograms (cycle phases,
/// submissions) matter most exactly when the database is too busy to answer, and Prometheus gives up on the whole scrape
/// after its own timeout (10 s by default). <see cref="SchedulerMetrics.StateRefreshed"/> says how old the values are.
/// </summary>
internal sealed partial class StateGauges(SchedulerMetrics metrics, IServiceScopeFactory scopes, TimeProvider time, ILogger<StateGauges> logger)
{
    public static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<Gauge, HashSet<string[]>> _written = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    public void Attach() => metrics.Registry.AddBeforeCollectCallback(RefreshAsync);

    internal async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(RefreshTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            // A scrape that arrives while another still reads waits for it within its own deadline, not behind it forever.
            await _gate.WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogRefreshTimedOut(logger, RefreshTimeout.TotalSeconds);
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            var queues = await sender.Send(new GetQueuesDashboard(WithPending: false), linked.Token);
            var cluster = ClusterAllocation.Of(await scope.ServiceProvider.GetRequiredService<IClusterView>().ReadAsync(linked.Token));

            Write(metrics.Jobs, queues.Queues.SelectMany(q => new[]
            {
                (new[] { q.Name, "Queued" }, (double)q.Counts.Queued),
                (new[] { q.Name, "Admitted" }, (double)q.Counts.Admitted),
                (new[] { q.Name, "Running" }, (double)q.Counts.Running),
            }));
            Write(metrics.QuotaNominal, queues.Queues.SelectMany(q => q.Quota.Select(b => (new[] { q.Name, b.GpuType }, (double)b.Nominal))));
            Write(metrics.QuotaUsed, queues.Queues.SelectMany(q => q.Quota.Select(b => (new[] { q.Name, b.GpuType }, b.Used))));
            Write(metrics.BudgetRemaining, queues.Queues.Where(q => q.Budget is not null).Select(q => (new[] { q.Name }, q.Budget!.RemainingGpuHours)));
            Write(metrics.GpuCapacity, cluster.Select(n => (new[] { n.Node.Name, n.Node.GpuType }, (double)n.Node.GpuCount)));
            Write(metrics.GpuAllocated, cluster.Select(n => (new[] { n.Node.Name, n.Node.GpuType }, n.AllocatedGpus)));
            var efficiency = await sender.Send(new GetClusterDashboard(Hours: 1), linked.Token);
            Write(metrics.Mfu, efficiency.MfuByType.Select(t => (new[] { t.GpuType }, t.Mfu)));
            metrics.StateRefreshed.Set(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogRefreshTimedOut(logger, RefreshTimeout.TotalSeconds);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogRefreshFailed(logger, error);
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Write(Gauge gauge, IEnumerable<(string[] Labels, double Value)> values)
    {
        var now = new HashSet<string[]>(LabelComparer.Instance);
        foreach (var (labels, value) in values)
        {
            gauge.WithLabels(labels).Set(value);
            now.Add(labels);
        }

        if (_written.TryGetValue(gauge, out var before))
        {
            foreach (var gone in before.Where(l => !now.Contains(l)))
            {
                gauge.WithLabels(gone).Remove();
            }
        }

        _written[gauge] = now;
    }

    [LoggerMessage(EventId = 4103, Level = LogLevel.Warning, Message = "The state gauges were not read within {Seconds} s before a scrape; answering with the previous values")]
    private static partial void LogRefreshTimedOut(ILogger logger, double seconds);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Could not refresh the state gauges before a scrape; keeping the previous values")]
    private static partial void LogRefreshFailed(ILogger logger, Exception error);

    private sealed class LabelComparer : IEqualityComparer<string[]>
    {
        public static readonly LabelComparer Instance = new();

        public bool Equals(string[]? x, string[]? y) => x is not null && y is not null && x.AsSpan().SequenceEqual(y);

        public int GetHashCode(string[] obj) => obj.Aggregate(17, (hash, label) => HashCode.Combine(hash, label));
    }
}
