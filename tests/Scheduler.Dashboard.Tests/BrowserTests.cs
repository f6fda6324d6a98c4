using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using Scheduler.Domain.Jobs;
using static Microsoft.Playwright.Assertions;

namespace Scheduler.Dashboard.Tests;

/// <summary>
/// What a person sees in <c>/ui</c>, in a real chromium against the real host and database: jobs are submitted through
/// REST, moved through their lifecycle by the Application's transition command (as the operator loop does) and placed on
/// the test cluster. Screenshots of every page at 1280×800 and on a phone go to TestResults/screenshots.
/// </summary>
public sealed class BrowserTests(DashboardHost host, Browser browser) : IClassFixture<DashboardHost>, IClassFixture<Browser>
{
    private static readonly object ResearchQueue = new
    {
        cohort = "ml",
        nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8, ["H100-SXM"] = 4 },
        borrowingLimit = new Dictionary<string, int> { ["A100-80GB"] = 4 },
        gpuHourBudget = new { period = "week", gpuHours = 500, whenExceeded = "hold" },
    };

    [Fact]
    public async Task Queue_page_lists_pending_jobs_in_scheduling_order_with_their_reasons()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-order", ResearchQueue);
        // The oldest submission is preempted and requeued: it now waits behind the normal job queued before its requeue.
        var preempted = await host.SubmitAsync("ui-order", "resumed-first");
        await host.SubmitAsync("ui-order", "normal-second");
        await host.SubmitAsync("ui-order", "low-third", priorityClass: "low");
        await host.SubmitAsync("ui-order", "high-fourth", gpus: 2, priorityClass: "high");
        await host.TransitionAsync(preempted, JobState.Admitted, "Placed on gpu-a100-0");
        await host.TransitionAsync(preempted, JobState.Preempted, "Preempted for high-fourth (priority)");
        await host.TransitionAsync(preempted, JobState.Queued, "Requeued after preemption; resumes from checkpoint step 500");

        foreach (var (viewport, name) in new[] { (Browser.Desktop, "queues-desktop"), (Browser.Phone, "queues-phone") })
        {
            var page = await browser.OpenAsync(host, "#/queues", viewport);
            var queue = page.Locator("[data-queue='ui-order']");
            var rows = queue.Locator("tbody tr");
            await ExpectJobsInOrderAsync(rows, "high-fourth", "normal-second", "resumed-first", "low-third");
            await Expect(queue.Locator("[data-testid='pending-count']")).ToHaveTextAsync("4");
            await Expect(queue.Locator("tr[data-job='normal-second'] .reason")).ToHaveTextAsync("Submitted; waiting for the next scheduling cycle");
            await Expect(queue.Locator("tr[data-job='resumed-first'] .reason")).ToContainTextAsync("resumes from checkpoint step 500");
            await Expect(queue.Locator("tr[data-job='high-fourth']")).ToContainTextAsync("2 × A100-80GB");
            await Expect(queue.Locator(".bar[role='img']").First).ToHaveAttributeAsync("aria-label", "A100-80GB: 0 of 8 nominal GPUs used, 0 borrowed, 8 lendable");
            await Browser.ScreenshotAsync(page, name);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Queue_page_updates_live_when_a_job_is_submitted()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-live", ResearchQueue);
        await host.SubmitAsync("ui-live", "already-there");
        var page = await browser.OpenAsync(host, "#/queues", Browser.Desktop);
        var rows = page.Locator("[data-queue='ui-live'] tbody tr");
        await Expect(rows).ToHaveCountAsync(1);

        await host.SubmitAsync("ui-live", "arrives-later");
        // The page polls every 3 s; each poll is a database read that a loaded 2-core CI machine can make take seconds.
        await Expect(page.Locator("[data-queue='ui-live'] tr[data-job='arrives-later']")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Gpu_heat_map_shows_whole_and_fractional_allocations_after_placement()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-heat", ResearchQueue);
        // Other tests of this class place A100-80GB pods on the same test cluster, before or after this one (random order).
        var a100Before = await AllocatedGpusAsync("A100-80GB");
        host.Cluster.AddNode("gpu-a100-0", "A100-80GB", 8);
        host.Cluster.AddNode("gpu-a100-1", "A100-80GB", 8);
        host.Cluster.AddNode("gpu-h100-0", "H100-SXM", 8);
        var trainer = await host.SubmitAsync("ui-heat", "trainer-four", gpus: 4);
        await host.TransitionAsync(trainer, JobState.Admitted, "Placed on gpu-a100-0");
        host.Cluster.Place(trainer, "trainer-four-0", "gpu-a100-0", [0, 1, 2, 3]);
        await host.TransitionAsync(trainer, JobState.Running, "Pods started");
        var notebook = await host.SubmitAsync("ui-heat", "notebook-half", gpuMilli: 500);
        await host.TransitionAsync(notebook, JobState.Admitted, "Placed on gpu-a100-1");
        host.Cluster.Place(notebook, "notebook-half-0", "gpu-a100-1", [0], gpuMilli: 500);

        foreach (var (viewport, name) in new[] { (Browser.Desktop, "gpus-desktop"), (Browser.Phone, "gpus-phone") })
        {
            var page = await browser.OpenAsync(host, "#/gpus", viewport);
            await Expect(page.Locator("[data-node='gpu-a100-0'] .gpu.whole")).ToHaveCountAsync(4);
            await Expect(page.Locator("[data-node='gpu-a100-0'] .gpu.free")).ToHaveCountAsync(4);
            await Expect(page.Locator("[data-node='gpu-a100-1'] .gpu.fraction")).ToHaveCountAsync(1);
            await Expect(page.Locator("[data-node='gpu-h100-0'] .gpu.free")).ToHaveCountAsync(8);
            await Expect(page.Locator("[data-node='gpu-a100-0'] .gpu.whole").First).ToHaveAttributeAsync("aria-label", "GPU 0: 100% allocated to trainer-four");
            await Expect(page.Locator("[data-node='gpu-a100-1'] .gpu.fraction")).ToHaveAttributeAsync("aria-label", "GPU 0: 50% allocated to notebook-half");
            await Expect(page.Locator("#types tr", new() { HasText = "A100-80GB" }).Locator("td").Nth(1))
                .ToHaveTextAsync((a100Before + 4.5).ToString("0.##", CultureInfo.InvariantCulture));
            await Expect(page.Locator("#chart .uplot")).ToHaveCountAsync(1);
            await Expect(page.Locator("#mfu tr", new() { HasText = "trainer-four" })).ToBeVisibleAsync();
            await Browser.ScreenshotAsync(page, name);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Job_page_shows_estimate_spec_pods_and_a_timeline_with_preemption_and_resume()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-job", ResearchQueue);
        host.Cluster.AddNode("gpu-a100-7", "A100-80GB", 8);
        var job = await host.SubmitAsync("ui-job", "resumable", gpus: 2);
        await host.TransitionAsync(job, JobState.Admitted, "Placed on gpu-a100-7");
        await host.TransitionAsync(job, JobState.Running, "Pods started");
        await host.TransitionAsync(job, JobState.Preempted, "Preempted for urgent-job (priority)");
        await host.TransitionAsync(job, JobState.Queued, "Requeued after preemption; resumes from checkpoint step 500");
        await host.TransitionAsync(job, JobState.Admitted, "Placed on gpu-a100-7");
        host.Cluster.Place(job, "resumable-0", "gpu-a100-7", [4, 5]);
        await host.TransitionAsync(job, JobState.Running, "Pods started; resumed from checkpoint step 500");

        foreach (var (viewport, name) in new[] { (Browser.Desktop, "job-desktop"), (Browser.Phone, "job-phone") })
        {
            var page = await browser.OpenAsync(host, $"#/jobs/{job}", viewport);
            await Expect(page.Locator("h2")).ToContainTextAsync("resumable");
            await Expect(page.Locator("h2 .state")).ToHaveTextAsync("Running");
            var timeline = page.Locator("[data-testid='timeline'] li");
            await Expect(timeline).ToHaveCountAsync(7);
            await Expect(timeline.Nth(3)).ToContainTextAsync("Preempted for urgent-job");
            await Expect(timeline.Nth(4)).ToContainTextAsync("resumes from checkpoint step 500");
            await Expect(page.Locator("[data-testid='predicted-gpu-hours']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d"));
            await Expect(page.Locator("#h-memory + dl")).ToContainTextAsync("activations");
            await Expect(page.Locator("#h-pods ~ table")).ToContainTextAsync("gpu-a100-7");
            await page.Locator("summary", new() { HasText = "Spec" }).ClickAsync();
            await Expect(page.Locator("details pre")).ToContainTextAsync("\"hiddenSize\": 768");
            await Browser.ScreenshotAsync(page, name);
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task Job_page_says_how_the_placement_s_interconnect_priced_a_gang()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-racks", ResearchQueue);
        var job = await host.SubmitAsync("ui-racks", "split-gang", gpus: 16);
        await host.AdmitAsync(job, ("gpu-r1-0", "r1"), ("gpu-r2-0", "r2"));

        var page = await browser.OpenAsync(host, $"#/jobs/{job}", Browser.Desktop);
        await Expect(page.Locator("[data-testid='interconnect']")).ToContainTextAsync("priced for 2 racks, 2 nodes");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Jobs_page_lists_the_newest_job_first_with_its_state_and_reason()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-list", ResearchQueue);
        var cancelled = await host.SubmitAsync("ui-list", "list-older");
        await host.TransitionAsync(cancelled, JobState.Cancelled, "CancelledByUser");
        await host.SubmitAsync("ui-list", "list-newest");

        var page = await browser.OpenAsync(host, "#/jobs", Browser.Desktop);
        var rows = page.Locator("tbody tr[data-job^='list-']");
        await ExpectJobsInOrderAsync(rows, "list-newest", "list-older");
        await Expect(rows.Nth(1)).ToContainTextAsync("Cancelled");
        await Expect(rows.Nth(1).Locator(".reason")).ToHaveTextAsync("CancelledByUser");
        await Browser.ScreenshotAsync(page, "jobs-desktop");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Pages_have_a_skip_link_labelled_controls_and_readable_contrast()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-a11y", ResearchQueue);
        await host.SubmitAsync("ui-a11y", "contrast-check");
        host.Cluster.AddNode("gpu-a11y-0", "L4", 4);
        var page = await browser.OpenAsync(host, "#/queues", Browser.Desktop);
        await Expect(page.Locator("[data-queue='ui-a11y']")).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("a.skip")).ToBeFocusedAsync();
        await Expect(page.Locator("a.skip")).ToHaveTextAsync("Skip to content");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#main")).ToBeFocusedAsync();
        // It moves focus only: the page keeps its route.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/queues$"));

        // Keyboard navigation between pages lands on the new page's content.
        await page.FocusAsync("a[data-route='gpus']");
        await page.Keyboard.PressAsync("Enter");
        // The default expect timeout (20 s, Browser) is generous: on a loaded 2-core CI machine the cluster page's first
        // answer can take several seconds.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/gpus$"));
        await Expect(page.Locator("#main h2")).ToHaveTextAsync("GPU utilization");
        await Expect(page.Locator("#main")).ToBeFocusedAsync();

        foreach (var (hash, title) in new[] { ("#/queues", "Queues"), ("#/gpus", "GPU utilization"), ("#/jobs", "Jobs") })
        {
            // Only the hash changes: the same document re-renders after its hashchange event, so the previous page's
            // heading is still there when GotoAsync returns. Wait for this page's own heading.
            await page.GotoAsync($"/ui/{hash}");
            await Expect(page.Locator("#main h2")).ToHaveTextAsync(title);
            await Expect(page.Locator("#main .muted", new() { HasText = "Loading" })).ToHaveCountAsync(0);
            Assert.Empty(await page.EvaluateAsync<string[]>(UnlabelledControls));
            Assert.Empty(await page.EvaluateAsync<string[]>(LowContrastText));
        }
    }

    /// <summary>Web-first: waits until the rows are exactly these jobs in this order (the page re-renders while polling).</summary>
    private static async Task ExpectJobsInOrderAsync(ILocator rows, params string[] jobs)
    {
        await Expect(rows).ToHaveCountAsync(jobs.Length);
        for (var i = 0; i < jobs.Length; i++)
        {
            await Expect(rows.Nth(i)).ToHaveAttributeAsync("data-job", jobs[i]);
        }
    }

    /// <summary>The GPUs of this type the cluster page's API counts as allocated now (0 when no node has the type).</summary>
    private async Task<double> AllocatedGpusAsync(string gpuType)
    {
        using var http = host.Http();
        var cluster = await http.GetFromJsonAsync<JsonObject>("/api/v1/dashboard/cluster", TestContext.Current.CancellationToken);
        return cluster!["byType"]!.AsArray().SingleOrDefault(t => t!["gpuType"]!.GetValue<string>() == gpuType)?["allocated"]!.GetValue<double>() ?? 0;
    }

    /// <summary>Form controls without a label, aria-label or aria-labelledby.</summary>
    private const string UnlabelledControls = """
        () => [...document.querySelectorAll('input, select, textarea, button')]
          .filter(c => !(c.labels && c.labels.length) && !c.getAttribute('aria-label') && !c.getAttribute('aria-labelledby') && !c.textContent.trim())
          .map(c => c.outerHTML)
        """;

    /// <summary>Visible text whose contrast against its effective background is below WCAG AA (4.5:1).</summary>
    private const string LowContrastText = """
        () => {
          const rgb = s => s.match(/[\d.]+/g).map(Number);
          const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
            .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
          const background = el => {
            for (let e = el; e; e = e.parentElement) {
              const c = rgb(getComputedStyle(e).backgroundColor);
              if (c.length < 4 || c[3] > 0) return c.slice(0, 3);
            }
            return [255, 255, 255];
          };
          const bad = [];
          for (const el of document.querySelectorAll('body *')) {
            const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
            if (!own || !el.getClientRects().length) continue;
            const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
            const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
            if (ratio < 4.5) bad.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 40)}"`);
          }
          return bad;
        }
        """;
}
