using System.Net.Http.Json;
using Microsoft.Playwright;
using Scheduler.Domain.Jobs;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// The accounting page in chromium against the real host: a team's queue runs a job to the end with trainer telemetry,
/// and the page shows its GPU-hours per team (chart and table), per queue, for its submitter, and the estimator's accuracy.
/// </summary>
public sealed class AccountingBrowserTests(DashboardHost host, Browser browser) : IClassFixture<DashboardHost>, IClassFixture<Browser>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Accounting_page_shows_usage_per_team_queue_and_user_and_the_estimators_accuracy()
    {
        Browser.RequireChromium();
        using var http = host.Http();
        (await http.PutAsync("/api/v1/teams/acct-team", null, Ct)).EnsureSuccessStatusCode();
        await host.PutQueueAsync("acct-q", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        (await http.PutAsJsonAsync("/api/v1/queues/acct-q/team", new { team = "acct-team" }, Ct)).EnsureSuccessStatusCode();
        var job = await host.SubmitAsync("acct-q", "accounted", gpus: 2);
        await host.TransitionAsync(job, JobState.Admitted, "Placed");
        await host.TransitionAsync(job, JobState.Running, "Pods started");
        using (var trainer = await host.TrainerHttpAsync(job))
        {
            var posted = await trainer.PostAsJsonAsync($"/api/v1/jobs/{job}/telemetry", new
            {
                step = 1_000, tokens = 8_192_000L, loss = 3.1, tokensPerSecond = 20_000.0, stepSeconds = 0.4, peakMemoryGiB = 21.5, device = "cuda",
                timestamp = DateTimeOffset.UtcNow,
            }, Ct);
            Assert.True(posted.IsSuccessStatusCode, await posted.Content.ReadAsStringAsync(Ct));
        }

        await host.TransitionAsync(job, JobState.Succeeded, "All pods succeeded");

        foreach (var (viewport, name) in new[] { (Browser.Desktop, "accounting-desktop"), (Browser.Phone, "accounting-phone") })
        {
            var page = await browser.OpenAsync(host, "#/accounting", viewport);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Accounting", Level = 2 })).ToBeVisibleAsync();
            await Expect(page.Locator("nav [data-route='accounting']")).ToHaveAttributeAsync("aria-current", "page");
            await Expect(page.Locator("#acct-teams tr[data-team='acct-team']")).ToContainTextAsync("A100-80GB");
            await Expect(page.Locator("#acct-queues tr[data-queue='acct-q']")).ToBeVisibleAsync();
            await Expect(page.Locator("#acct-users tr[data-user='dashboard-admin']")).ToBeVisibleAsync();
            await Expect(page.Locator("#acct-accuracy tr[data-team='acct-team'] .error-ratio")).ToContainTextAsync("%");
            await Expect(page.Locator("#acct-chart .uplot")).ToBeVisibleAsync();
            await Expect(page.Locator("#acct-chart .u-legend")).ToContainTextAsync("acct-team");
            await Browser.ScreenshotAsync(page, name);
            await page.Context.CloseAsync();
        }
    }
}
