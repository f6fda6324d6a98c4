using Microsoft.Playwright;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Jobs;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.Dashboard.Tests;

/// <summary>The GPU page groups nodes by interconnect domain when their labels name racks and blocks (its own host: its own cluster).</summary>
public sealed class TopologyBrowserTests(DashboardHost host, Browser browser) : IClassFixture<DashboardHost>, IClassFixture<Browser>
{
    [Fact]
    public async Task Gpu_page_groups_nodes_by_block_and_rack_when_topology_labels_exist()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-topology", new { nominalQuota = new Dictionary<string, int> { ["H100-SXM"] = 32 } });
        host.Cluster.AddNode("rack0-a", "H100-SXM", 8, domains: new NodeDomains(Block: "b0", Rack: "r0"));
        host.Cluster.AddNode("rack0-b", "H100-SXM", 8, domains: new NodeDomains(Block: "b0", Rack: "r0"));
        host.Cluster.AddNode("rack1-a", "H100-SXM", 8, domains: new NodeDomains(Block: "b0", Rack: "r1"));
        host.Cluster.AddNode("loose", "H100-SXM", 8);
        var gang = await host.SubmitAsync("ui-topology", "gang-eight", gpus: 8, gpuType: "H100-SXM");
        await host.TransitionAsync(gang, JobState.Admitted, "Placed on rack0-a");
        host.Cluster.Place(gang, "gang-eight-0", "rack0-a", [0, 1, 2, 3, 4, 5, 6, 7]);

        var page = await browser.OpenAsync(host, "#/gpus", Browser.Desktop);
        var rack0 = page.Locator("section.domain[data-domain='block b0 · rack r0']");
        await Expect(rack0.Locator("[data-node]")).ToHaveCountAsync(2);
        await Expect(rack0.Locator("[data-node='rack0-a'] .gpu.whole")).ToHaveCountAsync(8);
        await Expect(rack0.Locator("h4")).ToContainTextAsync("2 nodes · 8/16 GPUs allocated");
        await Expect(page.Locator("section.domain[data-domain='block b0 · rack r1'] [data-node='rack1-a']")).ToHaveCountAsync(1);
        await Expect(page.Locator("section.domain[data-domain='no rack or block label'] [data-node='loose']")).ToHaveCountAsync(1);
        await Browser.ScreenshotAsync(page, "gpus-topology");
        await page.Context.CloseAsync();
    }
}
