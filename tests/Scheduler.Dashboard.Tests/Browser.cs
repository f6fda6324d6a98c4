using Microsoft.Playwright;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// Debian's chromium driven by Playwright (its driver runs on the node the NuGet package ships; no browser download).
/// Tests call <see cref="RequireChromium"/> first: without chromium they are skipped with the reason.
/// </summary>
public sealed class Browser : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    public static readonly ViewportSize Desktop = new() { Width = 1280, Height = 800 };

    /// <summary>A small phone (iPhone SE-sized CSS viewport).</summary>
    public static readonly ViewportSize Phone = new() { Width = 375, Height = 667 };

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            return;
        }

        // CI runs every test project at once on two cores; Playwright's 5 s default fails there on slow renders, not on bugs.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath, Headless = true, Args = ChromiumArgs,
            Timeout = 120_000, // 30 s by default: too little for a cold chromium start on a swamped machine
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    public static void RequireChromium()
    {
        if (!File.Exists(ChromiumPath))
        {
            Assert.Skip($"{ChromiumPath} is absent: install Debian's chromium (apt-get install chromium) to run the browser tests.");
        }
    }

    /// <summary>A new browser session on <paramref name="host"/>'s dashboard, signed in with the admin's token through the sign-in form, at <paramref name="hash"/>.</summary>
    public async Task<IPage> OpenAsync(DashboardHost host, string hash, ViewportSize viewport)
    {
        ArgumentNullException.ThrowIfNull(host);
        var page = await OpenSignedOutAsync(host, viewport);
        await SignInAsync(page, host.AdminToken);
        // A fresh load, as before sign-in existed: from /ui/ only the hash would change, and the dashboard moves focus on a
        // hash change (keyboard tests start from a freshly loaded page).
        await page.GotoAsync("about:blank");
        await page.GotoAsync($"/ui/{hash}");
        return page;
    }

    /// <summary>A new browser session with no sign-in yet, on the sign-in page.</summary>
    public async Task<IPage> OpenSignedOutAsync(DashboardHost host, ViewportSize viewport)
    {
        ArgumentNullException.ThrowIfNull(host);
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions { ViewportSize = viewport, BaseURL = host.BaseAddress.ToString() });
        context.SetDefaultTimeout(60_000);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/ui/sign-in");
        return page;
    }

    /// <summary>Signs in through the form, as a person would, and waits for the dashboard.</summary>
    public static async Task SignInAsync(IPage page, string token)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync("/ui/sign-in");
        await page.GetByLabel("API token").FillAsync(token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // The URL is the condition; waiting for the page's load event as well raced the dashboard's own navigation (a CI timeout).
        // Callers then wait web-first for the content they assert.
        await page.WaitForURLAsync(url => url.Contains("/ui/", StringComparison.Ordinal) && !url.Contains("sign-in", StringComparison.Ordinal),
            new PageWaitForURLOptions { WaitUntil = WaitUntilState.Commit });
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
