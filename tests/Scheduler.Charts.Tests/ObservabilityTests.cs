using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

public sealed class ObservabilityTests(ChartTools tools)
{
    [Fact]
    public async Task Service_monitor_scrapes_metrics_on_the_http_port_when_enabled()
    {
        var defaults = await tools.Renderer.RenderAsync(ValueSet.Default);
        var chart = await tools.Renderer.RenderAsync(ValueSet.ExternalDb);
        var monitor = chart.Single("ServiceMonitor");

        Assert.Empty(defaults.OfKind("ServiceMonitor"));
        Assert.Equal("http", (string?)monitor.At("spec.endpoints[0].port"));
        Assert.Equal("/metrics", (string?)monitor.At("spec.endpoints[0].path"));
        Assert.Equal("kube-prometheus-stack", monitor.Label("release"));
        Assert.Equal(
            chart.Single("Service", ChartRenderer.FullName).At("metadata.labels")!["app.kubernetes.io/component"]!.ToString(),
            monitor.At("spec.selector.matchLabels")!["app.kubernetes.io/component"]!.ToString());
    }

    [Fact]
    public async Task Grafana_config_map_holds_every_dashboard_file_of_the_chart()
    {
        var files = Directory.Exists(RepoPaths.Dashboards)
            ? Directory.GetFiles(RepoPaths.Dashboards, "*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()
            : [];
        var chart = await tools.Renderer.RenderAsync(ValueSet.ExternalDb);
        var configMaps = chart.OfKind("ConfigMap").Where(c => c.Label("grafana_dashboard") == "1").ToList();

        if (files.Count == 0)
        {
            Assert.Empty(configMaps);
            Assert.Skip("charts/gpu-scheduler/dashboards/ holds no dashboard yet: checked that no empty ConfigMap is rendered.");
        }

        var configMap = Assert.Single(configMaps);
        var data = configMap.At("data")!.AsObject();
        Assert.Equal(files, data.Select(kv => kv.Key).Order(StringComparer.Ordinal));
        foreach (var file in files)
        {
            Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Dashboards, file!)).TrimEnd(), ((string?)data[file!])?.TrimEnd());
        }
    }

    [Fact]
    public async Task Grafana_dashboards_are_off_by_default()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.Default);

        Assert.DoesNotContain(chart.OfKind("ConfigMap"), c => c.Label("grafana_dashboard") is not null);
    }
}
