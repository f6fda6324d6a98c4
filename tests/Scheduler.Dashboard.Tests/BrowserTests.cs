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
        await host.SubmitAsync("ui-order", "normal-first");
        await host.SubmitAsync("ui-order", "low-second", priorityClass: "low");
        await host.SubmitAsync("ui-order", "high-third", gpus: 2, priorityClass: "high");
        var preempted = await host.SubmitAsync("ui-order", "resumed-fourth");
        await host.TransitionAsync(preempted, JobState.Admitted, "Placed on gpu-a100-0");
        await host.TransitionAsync(preempted, JobState.Preempted, "Preempted for high-third (priority)");
        await host.TransitionAsync(preempted, JobState.Queued, "Requeued after preemption; resumes from checkpoint step 500");

        foreach (var (viewport, name) in new[] { (Browser.Desktop, "queues-desktop"), (Browser.Phone, "queues-phone") })
        {
            var page = await browser.OpenAsync(host.BaseAddress, "#/queues", viewport);
            var queue = page.Locator("[data-queue='ui-order']");
            var rows = queue.Locator("tbody tr");
            await Expect(rows).ToHaveCountAsync(4);
            Assert.Equal(["high-third", "normal-first", "resumed-fourth", "low-second"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.job)"));
            await Expect(queue.Locator("[data-testid='pending-count']")).ToHaveTextAsync("4");
            await Expect(queue.Locator("tr[data-job='normal-first'] .reason")).ToHaveTextAsync("Submitted; waiting for the next scheduling cycle");
            await Expect(queue.Locator("tr[data-job='resumed-fourth'] .reason")).ToContainTextAsync("resumes from checkpoint step 500");
            await Expect(queue.Locator("tr[data-job='high-third']")).ToContainTextAsync("2 × A100-80GB");
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
        var page = await browser.OpenAsync(host.BaseAddress, "#/queues", Browser.Desktop);
        var rows = page.Locator("[data-queue='ui-live'] tbody tr");
        await Expect(rows).ToHaveCountAsync(1);

        await host.SubmitAsync("ui-live", "arrives-later");
        await Expect(page.Locator("[data-queue='ui-live'] tr[data-job='arrives-later']")).ToBeVisibleAsync(new() { Timeout = 10_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Gpu_heat_map_shows_whole_and_fractional_allocations_after_placement()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-heat", ResearchQueue);
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
            var page = await browser.OpenAsync(host.BaseAddress, "#/gpus", viewport);
            await Expect(page.Locator("[data-node='gpu-a100-0'] .gpu.whole")).ToHaveCountAsync(4);
            await Expect(page.Locator("[data-node='gpu-a100-0'] .gpu.free")).ToHaveCountAsync(4);
            await Expect(page.Locator("[data-node='gpu-a100-1'] .gpu.fraction")).ToHaveCountAsync(1);
            await Expect(page.Locator("[data-node='gpu-h100-0'] .gpu.free")).ToHaveCountAsync(8);
            await Expect(page.Locator("[data-node='gpu-a100-0'] .gpu.whole").First).ToHaveAttributeAsync("aria-label", "GPU 0: 100% allocated to trainer-four");
            await Expect(page.Locator("[data-node='gpu-a100-1'] .gpu.fraction")).ToHaveAttributeAsync("aria-label", "GPU 0: 50% allocated to notebook-half");
            await Expect(page.Locator("#types tr", new() { HasText = "A100-80GB" })).ToContainTextAsync("4.5");
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
            var page = await browser.OpenAsync(host.BaseAddress, $"#/jobs/{job}", viewport);
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
    public async Task Jobs_page_lists_the_newest_job_first_with_its_state_and_reason()
    {
        Browser.RequireChromium();
        await host.PutQueueAsync("ui-list", ResearchQueue);
        var cancelled = await host.SubmitAsync("ui-list", "list-older");
        await host.TransitionAsync(cancelled, JobState.Cancelled, "CancelledByUser");
        await host.SubmitAsync("ui-list", "list-newest");

        var page = await browser.OpenAsync(host.BaseAddress, "#/jobs", Browser.Desktop);
        var rows = page.Locator("tbody tr[data-job^='list-']");
        await Expect(rows).ToHaveCountAsync(2);
        Assert.Equal(["list-newest", "list-older"], await rows.EvaluateAllAsync<string[]>("rs => rs.map(r => r.dataset.job)"));
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
        var page = await browser.OpenAsync(host.BaseAddress, "#/queues", Browser.Desktop);
        await Expect(page.Locator("[data-queue='ui-a11y']")).ToBeVisibleAsync();

        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Skip to content", await page.EvaluateAsync<string>("document.activeElement.textContent"));
        await page.Keyboard.PressAsync("Enter");
        Assert.Equal("main", await page.EvaluateAsync<string>("document.activeElement.id"));
        // It moves focus only: the page keeps its route.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/queues$"));

        // Keyboard navigation between pages lands on the new page's content.
        await page.FocusAsync("a[data-route='gpus']");
        await page.Keyboard.PressAsync("Enter");
        // Generous: on a loaded 2-core CI machine the cluster page's first answer can take several seconds.
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/gpus$"), new() { Timeout = 15_000 });
        await Expect(page.Locator("#main h2")).ToHaveTextAsync("GPU utilization", new() { Timeout = 15_000 });
        await Expect(page.Locator("#main")).ToBeFocusedAsync();

        foreach (var hash in new[] { "#/queues", "#/gpus", "#/jobs" })
        {
            await page.GotoAsync($"/ui/{hash}");
            await Expect(page.Locator("#main h2")).ToBeVisibleAsync();
            await Expect(page.Locator("#main .muted", new() { HasText = "Loading" })).ToHaveCountAsync(0);
            Assert.Empty(await page.EvaluateAsync<string[]>(UnlabelledControls));
            Assert.Empty(await page.EvaluateAsync<string[]>(LowContrastText));
        }
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
