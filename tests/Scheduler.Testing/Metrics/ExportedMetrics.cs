using System.Text.RegularExpressions;

namespace Scheduler.Testing.Metrics;

/// <summary>One metric the control plane exports: name, Prometheus type and label names.</summary>
public sealed record ExportedMetric(string Name, string Type, IReadOnlyList<string> Labels);

/// <summary>
/// The metrics of docs/metrics.md's table (the Dashboard tests check that the table matches SchedulerMetrics exactly), with
/// the series names a scrape shows: histograms as <c>_bucket</c> (plus the <c>le</c> label), <c>_sum</c> and <c>_count</c>.
/// </summary>
public static partial class ExportedMetrics
{
    /// <param name="metricsMarkdown">The path of docs/metrics.md.</param>
    public static IReadOnlyList<ExportedMetric> FromDocs(string metricsMarkdown) =>
        File.ReadLines(metricsMarkdown)
            .Select(line => TableRow().Match(line))
            .Where(m => m.Success)
            .Select(m => new ExportedMetric(
                m.Groups["name"].Value,
                m.Groups["type"].Value,
                Label().Matches(m.Groups["labels"].Value).Select(l => l.Groups[1].Value).ToList()))
            .ToList();

    /// <summary>Series name → the labels it carries.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Series(IEnumerable<ExportedMetric> metrics) =>
        metrics.SelectMany(m => m.Type == "histogram"
                ? new[] { (m.Name + "_bucket", (IReadOnlyList<string>)[.. m.Labels, "le"]), (m.Name + "_sum", m.Labels), (m.Name + "_count", m.Labels) }
                : [(m.Name, m.Labels)])
            .ToDictionary(s => s.Item1, s => s.Item2, StringComparer.Ordinal);

    [GeneratedRegex(@"^\|\s*`(?<name>gpu_scheduler_[a-z0-9_]+)`\s*\|\s*(?<type>gauge|counter|histogram)\s*\|(?<labels>[^|]*)\|")]
    private static partial Regex TableRow();

    [GeneratedRegex("`([a-z_]+)`")]
    private static partial Regex Label();
}
