using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Metrics;

namespace Scheduler.Dashboard.Tests;

/// <summary>Scrapes <c>/metrics</c> of the real host and checks that the values follow the stored and cluster state.</summary>
public sealed class MetricsTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private async Task<PrometheusText> ScrapeAsync()
    {
        using var http = host.Http();
        var response = await http.GetAsync(MetricsEndpoints.Path, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Pending_gauge_and_accepted_counter_rise_with_submissions_and_fall_with_cancellation()
    {
        await host.PutQueueAsync("metrics-pending", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 4 } });
        var before = await ScrapeAsync();
        Assert.Equal(0, before.Value("gpu_scheduler_jobs", ("queue", "metrics-pending"), ("state", "Queued")));

        var first = await host.SubmitAsync("metrics-pending", "one");
        await host.SubmitAsync("metrics-pending", "two");
        await host.SubmitAsync("metrics-pending", "three");
        var submitted = await ScrapeAsync();
        Assert.Equal(3, submitted.Value("gpu_scheduler_jobs", ("queue", "metrics-pending"), ("state", "Queued")));
        Assert.Equal(3, submitted.Value("gpu_scheduler_submissions_total", ("queue", "metrics-pending"), ("outcome", "accepted")));

        using var http = host.Http();
        (await http.DeleteAsync($"/api/v1/jobs/{first}", TestContext.Current.CancellationToken)).EnsureSuccessStatusCode();
        Assert.Equal(2, (await ScrapeAsync()).Value("gpu_scheduler_jobs", ("queue", "metrics-pending"), ("state", "Queued")));
    }

    [Fact]
    public async Task Rejected_and_duplicate_submissions_are_counted_apart_and_rejections_of_invalid_specs_name_no_queue()
    {
        await host.PutQueueAsync("metrics-outcomes", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 4 } });
        await host.SubmitAsync("metrics-outcomes", "same");
        await host.SubmitAsync("metrics-outcomes", "same");
        using var http = host.Http();
        var bad = await http.PostAsJsonAsync("/api/v1/jobs", new
        {
            name = "bad",
            queue = "metrics-outcomes",
            model = new { parameters = 1e9 },
            training = new { tokens = 1e9 },
            resources = new { gpuType = "A100-80GB", gpus = 0 },
        }, TestContext.Current.CancellationToken);
        Assert.Equal(400, (int)bad.StatusCode);

        var scrape = await ScrapeAsync();
        Assert.Equal(1, scrape.Value("gpu_scheduler_submissions_total", ("queue", "metrics-outcomes"), ("outcome", "accepted")));
        Assert.Equal(1, scrape.Value("gpu_scheduler_submissions_total", ("queue", "metrics-outcomes"), ("outcome", "duplicate")));
        Assert.Null(scrape.Value("gpu_scheduler_submissions_total", ("queue", "metrics-outcomes"), ("outcome", "rejected")));
        Assert.True(scrape.Value("gpu_scheduler_submissions_total", ("queue", ""), ("outcome", "rejected")) >= 1);
    }

    [Fact]
    public async Task Placed_job_shows_in_node_allocation_quota_use_and_running_count()
    {
        await host.PutQueueAsync("metrics-placed", new
        {
            nominalQuota = new Dictionary<string, int> { ["H100-SXM"] = 2 },
            gpuHourBudget = new { period = "week", gpuHours = 100, whenExceeded = "reject" },
        });
        host.Cluster.AddNode("metrics-node-h100", "H100-SXM", 8);
        var job = await host.SubmitAsync("metrics-placed", "wide", gpus: 4, gpuType: "H100-SXM");
        await host.TransitionAsync(job, JobState.Admitted, "Placed on metrics-node-h100");
        host.Cluster.Place(job, "wide-0", "metrics-node-h100", [0, 1, 2, 3]);
        await host.TransitionAsync(job, JobState.Running, "Pods started");

        var scrape = await ScrapeAsync();
        Assert.Equal(8, scrape.Value("gpu_scheduler_gpu_capacity", ("node", "metrics-node-h100"), ("gpu_type", "H100-SXM")));
        Assert.Equal(4, scrape.Value("gpu_scheduler_gpu_allocated", ("node", "metrics-node-h100"), ("gpu_type", "H100-SXM")));
        Assert.Equal(1, scrape.Value("gpu_scheduler_jobs", ("queue", "metrics-placed"), ("state", "Running")));
        Assert.Equal(0, scrape.Value("gpu_scheduler_jobs", ("queue", "metrics-placed"), ("state", "Queued")));
        Assert.Equal(4, scrape.Value("gpu_scheduler_quota_used_gpus", ("queue", "metrics-placed"), ("gpu_type", "H100-SXM")));
        Assert.Equal(2, scrape.Value("gpu_scheduler_quota_nominal_gpus", ("queue", "metrics-placed"), ("gpu_type", "H100-SXM")));
        // The ledger admission enforces: the job's predicted GPU-hours are charged until it ends.
        using var http = host.Http();
        var stored = await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/v1/jobs/{job}", TestContext.Current.CancellationToken);
        var predicted = stored!["estimate"]!["gpuHours"]!.GetValue<double>();
        Assert.True(predicted > 0);
        Assert.Equal(100 - predicted, scrape.Value("gpu_scheduler_budget_remaining_gpu_hours", ("queue", "metrics-placed"))!.Value, 6);
    }

    /// <summary>Places and starts the job, then posts two trainer telemetry samples for it.</summary>
    private async Task RunWithTelemetryAsync(Guid job)
    {
        await host.TransitionAsync(job, JobState.Admitted, "Placed");
        await host.TransitionAsync(job, JobState.Running, "Pods started");
        using var http = await host.TrainerHttpAsync(job);
        foreach (var step in new[] { 100, 1_000 })
        {
            var posted = await http.PostAsJsonAsync($"/api/v1/jobs/{job}/telemetry", new
            {
                step, tokens = step * 8_192L, loss = 3.1, tokensPerSecond = 20_000.0, stepSeconds = 0.4, peakMemoryGiB = 21.5, device = "cuda",
                timestamp = DateTimeOffset.UtcNow,
            }, TestContext.Current.CancellationToken);
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task A_job_that_succeeds_with_telemetry_is_counted_in_the_estimator_error_histograms()
    {
        await host.PutQueueAsync("metrics-finished", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        var job = await host.SubmitAsync("metrics-finished", "measured");
        await RunWithTelemetryAsync(job);

        var before = await ScrapeAsync();
        await host.TransitionAsync(job, JobState.Succeeded, "All pods succeeded");

        var after = await ScrapeAsync();
        var count = (PrometheusText scrape, string metric) => scrape.Value(metric + "_count", ("gpu_type", "A100-80GB")) ?? 0;
        Assert.Equal(count(before, "gpu_scheduler_estimator_gpu_hours_error_ratio") + 1, count(after, "gpu_scheduler_estimator_gpu_hours_error_ratio"));
        Assert.Equal(count(before, "gpu_scheduler_estimator_memory_error_ratio") + 1, count(after, "gpu_scheduler_estimator_memory_error_ratio"));
    }

    [Fact]
    public async Task A_job_that_fails_part_way_is_not_counted_in_the_estimator_error_histograms()
    {
        await host.PutQueueAsync("metrics-failed", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        var job = await host.SubmitAsync("metrics-failed", "crashed");
        await RunWithTelemetryAsync(job);
        using var http = host.Http();

        var stored = await http.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>($"/api/v1/jobs/{job}", TestContext.Current.CancellationToken);
        Assert.True(stored!["measured"]?["gpuHours"]?.GetValue<double>() > 0, "the job has measured GPU-hours, so only its state keeps it out");

        var before = await ScrapeAsync();
        await host.TransitionAsync(job, JobState.Failed, "Pod exited with 1");

        var after = await ScrapeAsync();
        // The tests of this class (the only users of its host) run one at a time: nothing else records between the scrapes.
        foreach (var metric in new[] { "gpu_scheduler_estimator_gpu_hours_error_ratio", "gpu_scheduler_estimator_memory_error_ratio" })
        {
            Assert.Equal(before.Value(metric + "_count", ("gpu_type", "A100-80GB")) ?? 0, after.Value(metric + "_count", ("gpu_type", "A100-80GB")) ?? 0);
        }
    }

    [Fact]
    public async Task Operator_calls_show_as_cycle_histogram_placement_and_preemption_counters()
    {
        var metrics = host.Services.GetRequiredService<SchedulerMetrics>();
        var before = await ScrapeAsync();
        metrics.RecordCycle(TimeSpan.FromMilliseconds(3));
        metrics.RecordPlacement("metrics-loop", "A100-80GB", TimeSpan.FromSeconds(90));
        metrics.RecordPreemption("metrics-loop", "priority");
        metrics.RecordFinishedJob("A100-80GB", predictedGpuHours: 10, measuredGpuHours: 12, predictedPeakMemoryGiB: 40, measuredPeakMemoryGiB: 36);

        var after = await ScrapeAsync();
        Assert.Equal(before.Value("gpu_scheduler_cycle_duration_seconds_count")!.Value + 1, after.Value("gpu_scheduler_cycle_duration_seconds_count"));
        Assert.Equal(1, after.Value("gpu_scheduler_placements_total", ("queue", "metrics-loop"), ("gpu_type", "A100-80GB")));
        Assert.Equal(1, after.Value("gpu_scheduler_preemptions_total", ("queue", "metrics-loop"), ("reason", "priority")));
        Assert.Equal(90, after.Value("gpu_scheduler_admission_wait_seconds_sum", ("queue", "metrics-loop")));
        // Other tests of this host finish A100-80GB jobs too, in any order: compare with the sum before.
        var sum = (PrometheusText scrape, string metric) => scrape.Value(metric + "_sum", ("gpu_type", "A100-80GB")) ?? 0;
        Assert.Equal(0.2, sum(after, "gpu_scheduler_estimator_gpu_hours_error_ratio") - sum(before, "gpu_scheduler_estimator_gpu_hours_error_ratio"), 6);
        Assert.Equal(-0.1, sum(after, "gpu_scheduler_estimator_memory_error_ratio") - sum(before, "gpu_scheduler_estimator_memory_error_ratio"), 6);
    }
}
