using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Metrics;

namespace Scheduler.Dashboard.Tests;

/// <summary>The GPU-seconds counters: each released attempt counted once, equal to what accounting reports for the job.</summary>
public sealed class GpuSecondsMetricsTests(DashboardHost host) : IClassFixture<DashboardHost>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_preempted_requeued_and_finished_job_counts_both_attempts_as_accounting_does()
    {
        await host.PutQueueAsync("metrics-gpu-seconds", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        var job = await host.SubmitAsync("metrics-gpu-seconds", "twice", gpus: 2);
        foreach (var (to, reason) in new[]
        {
            (JobState.Admitted, "Placed"), (JobState.Running, "Pods started"), (JobState.Preempted, "Preempted by a higher priority"),
            (JobState.Queued, "Requeued after preemption"), (JobState.Admitted, "Placed again"), (JobState.Running, "Pods started"),
        })
        {
            await host.TransitionAsync(job, to, reason);
        }

        var whileRunning = await ScrapeAsync();
        await host.TransitionAsync(job, JobState.Succeeded, "All pods succeeded");
        var after = await ScrapeAsync();
        using var http = host.Http();
        var page = await http.GetFromJsonAsync<JsonObject>("/api/v1/accounting/jobs?queue=metrics-gpu-seconds", Ct);
        var row = Assert.Single(page!["items"]!.AsArray())!;
        var attempts = row["attempts"]!.AsArray();

        Assert.Equal(2, attempts.Count);
        var first = attempts[0]!["gpuSeconds"]!.GetValue<double>();
        var total = row["gpuSeconds"]!.GetValue<double>();
        Assert.True(first > 0 && total > first, $"attempts {attempts.ToJsonString()}");
        // The first attempt counted when preemption released it; the second when the job ended.
        Assert.Equal(first, Series(whileRunning)!.Value, 6);
        Assert.Equal(total, Series(after)!.Value, 6);
        Assert.Equal(total, after.Value("gpu_scheduler_user_gpu_seconds_total", ("user", "dashboard-admin"))!.Value, 6);

        // A refused transition (the job already ended) releases nothing more.
        await using (var scope = host.Services.CreateAsyncScope())
        {
            var sender = scope.ServiceProvider.GetRequiredService<ISender>();
            Assert.False((await sender.Send(new TransitionJob(job, JobState.Failed, "late"), Ct)).IsSuccess);
        }

        Assert.Equal(total, Series(await ScrapeAsync())!.Value, 6);
    }

    [Fact]
    public void Users_beyond_the_series_cap_count_together_as_other()
    {
        var metrics = new SchedulerMetrics(Metrics.NewCustomRegistry());
        for (var i = 0; i < SchedulerMetrics.MaxUserSeries + 5; i++)
        {
            metrics.RecordGpuSeconds("q", "team", $"user-{i}", "A100-80GB", 10);
        }

        metrics.RecordGpuSeconds("q", "team", "user-0", "A100-80GB", 1);

        Assert.Equal(SchedulerMetrics.MaxUserSeries + 1, metrics.UserGpuSeconds.GetAllLabelValues().Count());
        Assert.Equal(50, metrics.UserGpuSeconds.WithLabels(SchedulerMetrics.OtherUsers).Value);
        Assert.Equal(11, metrics.UserGpuSeconds.WithLabels("user-0").Value);
        Assert.Equal((10 * (SchedulerMetrics.MaxUserSeries + 5)) + 1, metrics.GpuSeconds.WithLabels("q", "team", "A100-80GB").Value);
    }

    private static double? Series(PrometheusText scrape) =>
        scrape.Value("gpu_scheduler_gpu_seconds_total", ("queue", "metrics-gpu-seconds"), ("team", ""), ("gpu_type", "A100-80GB"));

    private async Task<PrometheusText> ScrapeAsync()
    {
        using var http = host.Http();
        return PrometheusText.Parse(await http.GetStringAsync(MetricsEndpoints.Path, Ct));
    }
}
