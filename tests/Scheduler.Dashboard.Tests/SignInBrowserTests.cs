using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.Dashboard.Tests;

/// <summary>The dashboard's sign-in in a real chromium: signed out, <c>/ui</c> sends you to sign in; a token gets you the queue page and says who you are.</summary>
public sealed partial class SignInBrowserTests(DashboardHost host, Browser browser) : IClassFixture<DashboardHost>, IClassFixture<Browser>
{
    [Fact]
    public async Task Signed_out_the_dashboard_redirects_to_sign_in()
    {
        Browser.RequireChromium();
        var page = await browser.OpenSignedOutAsync(host, Browser.Desktop);

        await page.GotoAsync("/ui/#/queues");

        await Expect(page).ToHaveURLAsync(SignInUrl());
        await Expect(page.GetByLabel("API token")).ToBeVisibleAsync();
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Signing_in_with_a_token_shows_the_queue_page_and_who_is_signed_in()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("signed-in", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        var page = await browser.OpenSignedOutAsync(host, Browser.Desktop);

        await Browser.SignInAsync(page, host.AdminToken);
        await page.GotoAsync("/ui/#/queues");

        await Expect(page.Locator("[data-queue='signed-in']")).ToBeVisibleAsync();
        await Expect(page.Locator("#session-user")).ToHaveTextAsync("dashboard-admin");
        var cookies = await page.Context.CookiesAsync();
        var session = cookies.Single(c => c.Name == ".GpuScheduler.Session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page).ToHaveURLAsync(SignInUrl());
        await page.GotoAsync("/ui/#/queues");
        await Expect(page).ToHaveURLAsync(SignInUrl());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task A_wrong_token_does_not_sign_in()
    {
        Browser.RequireChromium();
        var page = await browser.OpenSignedOutAsync(host, Browser.Desktop);

        await page.GetByLabel("API token").FillAsync("gst_not-a-real-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not accepted");
        await page.Context.CloseAsync();
    }

    [GeneratedRegex("/ui/sign-in")]
    private static partial Regex SignInUrl();
}
