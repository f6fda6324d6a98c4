using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Operator.Metrics;

namespace Scheduler.Dashboard.Tests;

/// <summary>The state gauges read before a scrape are bounded in time: a stalled read leaves the last values and their age.</summary>
public sealed class StateGaugesTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    [Fact]
    public async Task A_scrape_whose_state_read_stalls_gives_up_at_the_timeout_and_keeps_the_previous_values()
    {
        host.Cluster.AddNode("gauges-node", "A100-80GB", 8);
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 8, 0, 0, TimeSpan.Zero));
        var metrics = new SchedulerMetrics(Prometheus.Metrics.NewCustomRegistry());
        var gauges = new StateGauges(metrics, host.Services.GetRequiredService<IServiceScopeFactory>(), time, NullLogger<StateGauges>.Instance);

        await gauges.RefreshAsync(Ct);
        var refreshedAt = metrics.StateRefreshed.Value;
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), refreshedAt);
        Assert.Equal(8, metrics.GpuCapacity.WithLabels("gauges-node", "A100-80GB").Value);

        var stalled = host.Cluster.StallReads();
        try
        {
            time.Advance(TimeSpan.FromMinutes(1));
            var refresh = gauges.RefreshAsync(Ct);
            await stalled.WaitAsync(TimeSpan.FromSeconds(30), Ct);
            Assert.False(refresh.IsCompleted);

            time.Advance(StateGauges.RefreshTimeout);
            await refresh.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        }
        finally
        {
            host.Cluster.ResumeReads();
        }

        Assert.Equal(refreshedAt, metrics.StateRefreshed.Value);
        Assert.Equal(8, metrics.GpuCapacity.WithLabels("gauges-node", "A100-80GB").Value);

        await gauges.RefreshAsync(Ct);
        Assert.Equal(time.GetUtcNow().ToUnixTimeSeconds(), metrics.StateRefreshed.Value);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;
}
