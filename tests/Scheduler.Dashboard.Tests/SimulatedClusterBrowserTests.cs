using System.Text.RegularExpressions;
using Scheduler.Domain.Jobs;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// The pages over the real operator loop and the simulated cluster (no test double): a job submitted through REST is placed
/// by the operator, and the heat map and the job page show where its pods run.
/// </summary>
public sealed partial class SimulatedClusterBrowserTests(SimulatedClusterHost host, Browser browser)
    : IClassFixture<SimulatedClusterHost>, IClassFixture<Browser>
{
    [Fact]
    public async Task A_job_the_operator_places_shows_on_the_heat_map_and_its_page_names_the_node()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-simulated", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 } });
        var job = await host.SubmitAsync("ui-simulated", "placed-four", gpus: 4);

        // Leader election, a scheduling cycle and the simulated pod start take seconds; a loaded 2-core CI machine running
        // every test project at once stretches them (this whole test took 90-125 s there). Polling: a pass costs no more.
        await host.WaitForStateAsync(job, JobState.Running, TimeSpan.FromSeconds(180));

        // Expectations use the default timeout (20 s, Browser), meant for a loaded 2-core CI machine.
        var gpus = await browser.OpenAsync(host, "#/gpus", Browser.Desktop);
        var node = gpus.Locator("[data-node='sim-a100-80gb-0']");
        await Expect(node.Locator(".gpu.whole")).ToHaveCountAsync(4);
        await Expect(node.Locator(".gpu.free")).ToHaveCountAsync(4);
        await Expect(node.Locator(".gpu.whole").First).ToHaveAttributeAsync("aria-label", AllocatedToPlacedFour());
        await Browser.ScreenshotAsync(gpus, "gpus-simulated-cluster");

        var page = await browser.OpenAsync(host, $"#/jobs/{job}", Browser.Desktop);
        await Expect(page.Locator("#main")).ToContainTextAsync("sim-a100-80gb-0");
        await Expect(page.Locator("#main")).ToContainTextAsync("Running");
        // The simulated trainer's telemetry reaches the page live: measured throughput, the step out of the estimate's total, an ETA.
        await Expect(page.Locator("[data-testid='measured-tokens-per-second']")).ToHaveTextAsync(Digits());
        await Expect(page.Locator("[data-testid='step']")).ToHaveTextAsync(StepOfTotal());
        await Expect(page.Locator("[data-testid='eta']")).ToHaveTextAsync(Digits());
        await Browser.ScreenshotAsync(page, "job-simulated-cluster");
    }

    [GeneratedRegex(@"^GPU \d+: 100% allocated to placed-four$")]
    private static partial Regex AllocatedToPlacedFour();

    [GeneratedRegex(@"\d")]
    private static partial Regex Digits();

    [GeneratedRegex(@"^[\d,]+ of [1-9][\d,]*$")]
    private static partial Regex StepOfTotal();
}
