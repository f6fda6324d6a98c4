using Microsoft.Extensions.DependencyInjection;
using Scheduler.Operator.Metrics;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// Program.cs registers the operator before the dashboard and <c>/metrics</c>: both must end up with the one
/// <see cref="SchedulerMetrics"/> on a registry of its own, not prometheus-net's static default (docs/metrics.md).
/// </summary>
public sealed class MetricsRegistryTests(SimulatedClusterHost host) : IClassFixture<SimulatedClusterHost>
{
    [Fact]
    public async Task Metrics_the_operator_loop_records_are_served_from_a_registry_that_is_not_the_static_default()
    {
        var metrics = host.Services.GetRequiredService<SchedulerMetrics>();

        Assert.Single(host.Services.GetServices<SchedulerMetrics>());
        Assert.NotSame(Prometheus.Metrics.DefaultRegistry, metrics.Registry);

        // The loop cycles every 0.2 s against the simulated cluster once it holds the Lease; /metrics shows those cycles.
        using var http = host.Http();
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        double? cycles = null;
        while (cycles is not > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(200, TestContext.Current.CancellationToken);
            var scrape = PrometheusText.Parse(await http.GetStringAsync(MetricsEndpoints.Path, TestContext.Current.CancellationToken));
            cycles = scrape.Value("gpu_scheduler_cycle_duration_seconds_count");
        }

        Assert.True(cycles > 0, "no scheduling cycle showed at /metrics within 60 s");
        using var stream = new MemoryStream();
        await Prometheus.Metrics.DefaultRegistry.CollectAndExportAsTextAsync(stream, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(SchedulerMetrics.Prefix, System.Text.Encoding.UTF8.GetString(stream.ToArray()), StringComparison.Ordinal);
    }
}
