using System.Net;
using Scheduler.Domain.Jobs;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// A job's log under <c>make run</c>: the operator places the job on the simulated cluster, and its trainer's log comes
/// through REST (whole, bounded, following) and on the job page, read from the fake API server's <c>pods/{name}/log</c>.
/// </summary>
public sealed class SimulatedClusterLogTests(SimulatedClusterHost host, Browser browser)
    : IClassFixture<SimulatedClusterHost>, IClassFixture<Browser>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Running_job_log_comes_through_REST_and_a_follow_ends_when_the_job_is_cancelled()
    {
        var job = await RunningJobAsync("logged");
        using var http = host.Http();

        var log = await http.GetAsync($"/api/v1/jobs/{job}/logs?tailLines=100", Ct);
        var badRank = await http.GetAsync($"/api/v1/jobs/{job}/logs?rank=1", Ct);
        var tooMany = await http.GetAsync($"/api/v1/jobs/{job}/logs?tailLines=1000000", Ct);

        Assert.Equal(HttpStatusCode.OK, log.StatusCode);
        Assert.Equal("text/plain", log.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"trainer: job {job} rank 0 of 1", await log.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, badRank.StatusCode);
        Assert.Contains("rank", await badRank.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/jobs/{job}/logs?follow=true");
        using var follow = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, follow.StatusCode);
        using var reader = new StreamReader(await follow.Content.ReadAsStreamAsync(Ct));
        Assert.StartsWith("trainer: job", await reader.ReadLineAsync(Ct), StringComparison.Ordinal);

        // Cancelling stops the pod (SIGTERM, checkpoint, exit): the follow ends with it, not at its 30-minute bound.
        (await http.DeleteAsync($"/api/v1/jobs/{job}", Ct)).EnsureSuccessStatusCode();
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        patience.CancelAfter(TimeSpan.FromSeconds(120));
        await reader.ReadToEndAsync(patience.Token);
    }

    [Fact]
    public async Task Job_page_shows_the_trainer_log()
    {
        Browser.RequireChromium();
        var job = await RunningJobAsync("shown");

        var page = await browser.OpenAsync(host, $"#/jobs/{job}", Browser.Desktop);

        await Expect(page.Locator("[data-testid='log']")).ToContainTextAsync($"trainer: job {job} rank 0");
        await Expect(page.Locator("[data-testid='log-status']")).ToContainTextAsync("-1-0");
    }

    private async Task<Guid> RunningJobAsync(string name)
    {
        await host.PutQueueAsync("logs", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        var job = await host.SubmitAsync("logs", name, gpus: 1);
        // Leader election, a cycle and the simulated pod start take seconds; a loaded 2-core CI machine stretches them.
        await host.WaitForStateAsync(job, JobState.Running, TimeSpan.FromSeconds(180));
        return job;
    }
}
