using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.Dashboard.Tests;

/// <summary>The job page's "this job could run N% cheaper with …", from <c>GET /api/v1/jobs/{id}/advice</c>, in a real chromium.</summary>
public sealed class JobAdviceBrowserTests(DashboardHost host, Browser browser) : IClassFixture<DashboardHost>, IClassFixture<Browser>
{
    private static readonly object Queue = new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 16 } };

    private async Task<Guid> SubmitAsync(JobSpecBuilder spec)
    {
        using var http = host.Http();
        using var response = await http.PostAsync("/api/v1/jobs", new StringContent(spec.ToJson(), Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
    }

    [Fact]
    public async Task Job_page_says_how_much_cheaper_the_job_could_run_and_what_to_change()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-advice", Queue);
        // Four pipeline stages fed four sequences a step spend most of each step in the bubble.
        var job = await SubmitAsync(JobSpecBuilder.AJob("bubbly").InQueue("ui-advice").Gpus(8, gpusPerNode: 8)
            .Parallelism(p => p with { Pipeline = 4, Data = 2 }).Training(t => t with { GlobalBatchSize = 4 })
            .With(s => s with { Container = new ContainerSpec { Image = "registry.example.com/train:1" } }));
        using var http = host.Http();
        var advice = (await http.GetFromJsonAsync<JsonObject>($"/api/v1/jobs/{job}/advice", TestContext.Current.CancellationToken))!;
        var percent = (int)Math.Round(advice["saving"]!.GetValue<double>() * 100);

        var page = await browser.OpenAsync(host, $"#/jobs/{job}", Browser.Desktop);
        var panel = page.Locator("[data-testid='advice']");
        await Expect(panel.Locator("h3")).ToHaveTextAsync($"This job could run {percent}% cheaper", new() { Timeout = 30_000 });
        await Expect(panel.Locator("[data-testid='advice-layout']")).ToHaveTextAsync(advice["cheaper"]!["description"]!.GetValue<string>());
        await Expect(panel.Locator("[data-testid='advice-changes']")).ToContainTextAsync("parallelism.pipeline");
        await Expect(panel).ToContainTextAsync("bubble");
        await Browser.ScreenshotAsync(page, "job-advice-desktop");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Job_page_offers_no_advice_when_the_job_already_runs_its_cheapest_layout()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-no-advice", Queue);
        var job = await SubmitAsync(JobSpecBuilder.AJob("plain").InQueue("ui-no-advice").Gpus(1));
        using var http = host.Http();
        var advice = (await http.GetFromJsonAsync<JsonObject>($"/api/v1/jobs/{job}/advice", TestContext.Current.CancellationToken))!;
        Assert.False(advice["offered"]!.GetValue<bool>(), advice.ToJsonString());

        var page = await browser.OpenAsync(host, $"#/jobs/{job}", Browser.Desktop);
        await Expect(page.Locator("h2")).ToContainTextAsync("plain");
        // The page asks for advice after its first paint and marks the slot once the answer offered nothing.
        await Expect(page.Locator("#advice-slot[data-advice='none']")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(page.Locator("[data-testid='advice']")).ToHaveCountAsync(0);
        await page.Context.CloseAsync();
    }
}
