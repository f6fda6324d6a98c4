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

    /// <summary>Gauge name → its labels: the state every replica exports (docs/metrics.md#replicas).</summary>
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Gauges =
        ExportedMetrics.FromDocs(RepoPaths.InRoot("docs", "metrics.md")).Where(m => m.Type == "gauge").ToDictionary(m => m.Name, m => m.Labels, StringComparer.Ordinal);

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

    /// <summary>
    /// Every replica exports the state gauges (read from the database and the cluster before each scrape) and the
    /// ServiceMonitor scrapes every pod, so a bare <c>sum</c> over one counts it once per replica. Each use must first
    /// collapse the replicas' copies with <c>max by (&lt;all the gauge's labels&gt;)</c> (docs/metrics.md#replicas).
    /// </summary>
    [Theory]
    [MemberData(nameof(DashboardFiles))]
    public void State_gauges_are_collapsed_across_replicas_before_they_are_summed_or_shown(string file)
    {
        var problems = Expressions(Load(file)).SelectMany(ReplicaDuplicates).ToList();

        Assert.True(problems.Count == 0, $"{file}:\n" + string.Join('\n', problems));
    }

    [Theory]
    [InlineData("sum by (queue) (gpu_scheduler_jobs{state=\"Queued\"})", "sum by (queue) over gpu_scheduler_jobs")]
    [InlineData("sum(gpu_scheduler_gpu_allocated) / sum(gpu_scheduler_gpu_capacity)", "sum over gpu_scheduler_gpu_allocated")]
    [InlineData("gpu_scheduler_mfu{gpu_type=~\"$gpu_type\"}", "gpu_scheduler_mfu without an aggregation")]
    [InlineData("sum by (queue) (max by (queue) (gpu_scheduler_jobs))", "max by (queue) over gpu_scheduler_jobs")]
    [InlineData("sum by (node) (max by (node, gpu_type, instance) (gpu_scheduler_gpu_capacity))", "max by (node, gpu_type, instance) over gpu_scheduler_gpu_capacity")]
    [InlineData("max by (queue, gpu_type) (sum by (queue, gpu_type) (gpu_scheduler_quota_used_gpus))", "sum by (queue, gpu_type) over gpu_scheduler_quota_used_gpus")]
    [InlineData("sum by (queue) (max by (queue, state) (gpu_scheduler_jobs{state=\"Queued\"}))", null)]
    [InlineData("sum(max by (node, gpu_type) (gpu_scheduler_gpu_allocated)) / sum(max by (gpu_type, node) (gpu_scheduler_gpu_capacity))", null)]
    [InlineData("max by (gpu_type) (gpu_scheduler_mfu)", null)]
    [InlineData("sum by (queue) (rate(gpu_scheduler_placements_total[5m]))", null)]
    public void Replica_check_flags_a_state_gauge_summed_or_shown_per_replica(string expression, string? flagged)
    {
        var problems = ReplicaDuplicates(expression).ToList();

        if (flagged is null)
        {
            Assert.Empty(problems);
        }
        else
        {
            Assert.Contains(problems, p => p.Contains(flagged, StringComparison.Ordinal));
        }
    }

    /// <summary>Uses of a gauge that are not first collapsed over the replicas by max/min/avg by all its labels.</summary>
    private static IEnumerable<string> ReplicaDuplicates(string expression)
    {
        foreach (var selector in PromQl.Parse(expression).Selectors.Where(s => Gauges.ContainsKey(s.Metric)))
        {
            var labels = Gauges[selector.Metric];
            var problem = selector.Enclosing switch
            {
                null => $"{selector.Metric} without an aggregation shows one series per replica",
                { Operator: "max" or "min" or "avg", Modifier: "by" } a
                    when labels.All(a.Labels.Contains) && !a.Labels.Contains("instance") && !a.Labels.Contains("pod") => null,
                var a => $"{a.Operator}{(a.Modifier is null ? "" : $" {a.Modifier} ({string.Join(", ", a.Labels)})")} over {selector.Metric} counts each replica's copy",
            };
            if (problem is not null)
            {
                yield return $"{problem}; collapse it first with max by ({string.Join(", ", labels)}) (...): {expression}";
            }
        }
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
