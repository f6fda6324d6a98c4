using Prometheus;
using Scheduler.Operator.Metrics;
using Scheduler.Testing;
using Scheduler.Testing.Metrics;

namespace Scheduler.Dashboard.Tests;

/// <summary>docs/metrics.md lists exactly what SchedulerMetrics registers (the Grafana test reads the names from that table).</summary>
public sealed class MetricsDocumentTests
{
    [Fact]
    public void Docs_table_matches_the_registered_metrics_name_type_and_labels()
    {
        var metrics = new SchedulerMetrics(Metrics.NewCustomRegistry());
        var registered = typeof(SchedulerMetrics).GetProperties()
            .Where(p => typeof(Collector).IsAssignableFrom(p.PropertyType))
            .Select(p => (Collector)p.GetValue(metrics)!)
            .Select(c => new ExportedMetric(c.Name, c switch { Histogram => "histogram", Counter => "counter", _ => "gauge" }, c.LabelNames))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => $"{m.Name} {m.Type} {string.Join(',', m.Labels)}");
        var documented = ExportedMetrics.FromDocs(RepositoryRoot.In("docs", "metrics.md"))
            .OrderBy(m => m.Name, StringComparer.Ordinal)
            .Select(m => $"{m.Name} {m.Type} {string.Join(',', m.Labels)}");

        Assert.Equal(registered, documented);
    }
}
