using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Scheduler.Charts.Tests.Infrastructure;
using Scheduler.Testing.Metrics;

namespace Scheduler.Charts.Tests;

/// <summary>
/// Every PromQL expression of every dashboard under charts/gpu-scheduler/dashboards parses, and names only series the
/// control plane exports (from docs/metrics.md) with labels those series carry.
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Exported = ExportedMetrics.Series(ExportedMetrics.FromDocs(RepoPaths.InRoot("docs", "metrics.md")));

    public static TheoryData<string> DashboardFiles { get; } =
        [.. Directory.GetFiles(RepoPaths.Dashboards, "*.json").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void The_chart_ships_the_four_dashboards_and_docs_list_the_metrics()
    {
        Assert.Equal(["estimator-accuracy.json", "gpu-utilization.json", "queues.json", "scheduler-latency.json"], DashboardFiles.Select(f => f.Data));
        Assert.True(Exported.Count >= 14, $"docs/metrics.md lists {Exported.Count} series");
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Every_expression_parses_and_names_only_exported_metrics_and_their_labels(string file)
    {
        var dashboard = Load(file);
        var expressions = Expressions(dashboard).ToList();
        Assert.NotEmpty(expressions);

        var problems = new List<string>();
        foreach (var expression in expressions)
        {
            PromQlReferences references;
            try
            {
                references = PromQl.Parse(expression);
            }
            catch (FormatException error)
            {
                problems.Add(error.Message);
                continue;
            }

            var labels = new HashSet<string>(StringComparer.Ordinal);
            foreach (var selector in references.Selectors)
            {
                if (!Exported.TryGetValue(selector.Metric, out var known))
                {
                    problems.Add($"'{selector.Metric}' is not an exported series: {expression}");
                    continue;
                }

                labels.UnionWith(known);
                problems.AddRange(selector.Labels.Where(l => !known.Contains(l)).Select(l => $"{selector.Metric} has no label '{l}': {expression}"));
            }

            problems.AddRange(references.GroupingLabels.Where(l => !labels.Contains(l)).Select(l => $"no series in the expression has label '{l}': {expression}"));
        }

        foreach (var (metric, label) in LabelValueQueries(dashboard))
        {
            if (!Exported.TryGetValue(metric, out var known) || !known.Contains(label))
            {
                problems.Add($"variable query label_values({metric}, {label}) names no exported series label");
            }
        }

        Assert.True(problems.Count == 0, $"{file}:\n" + string.Join('\n', problems));
    }

    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void Dashboard_has_a_stable_uid_unique_panel_ids_and_uses_the_datasource_variable(string file)
    {
        var dashboard = Load(file);
        var panels = dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).ToList();

        Assert.Matches("^gpu-scheduler-[a-z-]+$", (string?)dashboard["uid"]);
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        Assert.All(panels, p => Assert.Equal("${datasource}", (string?)p["datasource"]?["uid"]));
        Assert.Contains(dashboard["templating"]!["list"]!.AsArray(), v => (string?)v!["name"] == "datasource" && (string?)v["type"] == "datasource");
    }

    [Theory]
    [InlineData("sum(rate(gpu_scheduler_placements_total[5m]))", true)]
    [InlineData("histogram_quantile(0.99, sum by (le) (rate(gpu_scheduler_cycle_duration_seconds_bucket[$__rate_interval])))", true)]
    [InlineData("sum by (queue) (gpu_scheduler_jobs{state=\"Queued\"}) / on (queue) group_left sum by (queue) (gpu_scheduler_jobs)", true)]
    [InlineData("sum(rate(gpu_scheduler_placements_total[5m])", false)]
    [InlineData("rate(gpu_scheduler_placements_total[5x])", false)]
    [InlineData("sumx(gpu_scheduler_jobs)", false)]
    [InlineData("gpu_scheduler_jobs{state=Queued}", false)]
    public void Parser_accepts_valid_promql_and_rejects_broken_expressions(string expression, bool valid)
    {
        var parse = () => PromQl.Parse(expression);

        if (valid)
        {
            parse();
        }
        else
        {
            Assert.Throws<FormatException>(parse);
        }
    }

    [Fact]
    public void Parser_finds_the_selectors_and_grouping_labels()
    {
        var references = PromQl.Parse("sum by (queue, gpu_type) (gpu_scheduler_quota_used_gpus{queue=~\"$queue\"}) / sum by (queue, gpu_type) (gpu_scheduler_quota_nominal_gpus > 0)");

        Assert.Equal(["gpu_scheduler_quota_used_gpus", "gpu_scheduler_quota_nominal_gpus"], references.Selectors.Select(s => s.Metric));
        Assert.Equal(["queue"], references.Selectors[0].Labels);
        Assert.Equal(["queue", "gpu_type", "queue", "gpu_type"], references.GroupingLabels);
    }

    private static JsonObject Load(string file) => JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Dashboards, file)))!.AsObject();

    /// <summary>Every <c>expr</c> anywhere in the dashboard (panel targets, nested rows).</summary>
    private static IEnumerable<string> Expressions(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(kv => kv.Key == "expr" && kv.Value is JsonValue v ? [v.GetValue<string>()] : Expressions(kv.Value)),
        JsonArray a => a.SelectMany(Expressions),
        _ => [],
    };

    private static IEnumerable<(string Metric, string Label)> LabelValueQueries(JsonObject dashboard) =>
        dashboard["templating"]!["list"]!.AsArray()
            .Select(v => (string?)v!["definition"])
            .OfType<string>()
            .Select(d => LabelValues().Match(d))
            .Where(m => m.Success)
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value));

    [GeneratedRegex(@"^label_values\(\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*,\s*([a-zA-Z_]+)\s*\)$")]
    private static partial Regex LabelValues();
}
