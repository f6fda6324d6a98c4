using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduler.Api.Tests.Auth;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>Usage grouped by who submitted a job and by the team that owns its queue; history filtered by user.</summary>
public sealed class AccountingByOwnerTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Usage_by_user_and_by_team_counts_each_running_job_under_its_submitter_and_its_queues_team()
    {
        var world = await TeamWorld.CreateAsync(api, "-usage");
        var alphaJob = await SubmitAsAsync(world.AlphaMember, TeamWorld.AlphaQueue, "alpha-usage-run");
        var betaJob = await SubmitAsAsync(world.BetaMember, TeamWorld.BetaQueue, "beta-usage-run");
        await api.StartJobAsync(alphaJob);
        await api.StartJobAsync(betaJob);
        using var admin = api.CreateClient();

        var byUser = await UsageAsync(admin, "user");
        var byTeam = await UsageAsync(admin, "team");

        Assert.Contains("alpha-member-usage", byUser.Keys);
        Assert.Contains("beta-member-usage", byUser.Keys);
        Assert.Equal(["alpha", "beta"], byTeam.Keys.Order(StringComparer.Ordinal));
        Assert.All(byTeam.Values, hours => Assert.True(hours > 0));
        // The same attempts grouped two ways: a team's hours are its members' hours (the reports are read moments apart
        // while the jobs run, hence the tolerance of 36 s of one GPU).
        foreach (var team in new[] { "alpha", "beta" })
        {
            var members = byUser.Where(u => u.Key.StartsWith(team + "-", StringComparison.Ordinal)).Sum(u => u.Value);
            Assert.InRange(byTeam[team] - members, -0.01, 0.01);
        }
    }

    [Fact]
    public async Task History_filtered_by_user_lists_only_that_users_jobs_with_submitter_and_team()
    {
        var world = await TeamWorld.CreateAsync(api, "-hist");
        var alphaJob = await SubmitAsAsync(world.AlphaMember, TeamWorld.AlphaQueue, "alpha-hist-run");
        var betaJob = await SubmitAsAsync(world.BetaMember, TeamWorld.BetaQueue, "beta-hist-run");
        await api.StartJobAsync(alphaJob);
        await api.StartJobAsync(betaJob);
        using var admin = api.CreateClient();

        using var page = JsonDocument.Parse(await admin.GetStringAsync("/api/v1/accounting/jobs?user=alpha-member-hist", Ct));
        var items = page.RootElement.GetProperty("items").EnumerateArray().ToList();
        var csv = await CsvAsync(admin, "/api/v1/accounting/jobs?user=alpha-member-hist");

        var only = Assert.Single(items);
        Assert.Equal(alphaJob, only.GetProperty("id").GetGuid());
        Assert.Equal("alpha-member-hist", only.GetProperty("submittedBy").GetString());
        Assert.Equal("alpha", only.GetProperty("team").GetString());
        Assert.EndsWith(",submitted_by,team", csv.Split('\n')[0], StringComparison.Ordinal);
        Assert.EndsWith(",alpha-member-hist,alpha", csv.Split('\n')[1].TrimEnd('\r'), StringComparison.Ordinal);
    }

    private async Task<Guid> SubmitAsAsync(string token, string queue, string name)
    {
        using var client = api.ClientAs(token);
        using var response = await client.PostAsync("/api/v1/jobs", new StringContent(JobSpecBuilder.AJob(name).InQueue(queue).ToJson(), Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
    }

    /// <summary>GPU-hours per group over every period and GPU type of the report.</summary>
    internal static async Task<Dictionary<string, double>> UsageAsync(HttpClient client, string by)
    {
        using var report = JsonDocument.Parse(await client.GetStringAsync($"/api/v1/accounting/usage?by={by}", Ct));
        Assert.Equal(by, report.RootElement.GetProperty("by").GetString(), ignoreCase: true);
        return report.RootElement.GetProperty("rows").EnumerateArray()
            .GroupBy(r => r.GetProperty("group").GetString()!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(r => r.GetProperty("gpuHours").GetDouble()), StringComparer.Ordinal);
    }

    private static async Task<string> CsvAsync(HttpClient client, string url)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new System.Net.Http.Headers.MediaTypeWithQualityHeaderValue("text/csv"));
        using var response = await client.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(Ct);
    }
}

/// <summary>Private mode: accounting and the cluster page show a team's member only their teams' jobs.</summary>
public sealed class PrivateModeAccountingTests(PrivateModeApiFactory api) : IClassFixture<PrivateModeApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Accounting_and_the_cluster_page_leave_out_or_hide_another_teams_jobs()
    {
        var world = await TeamWorld.CreateAsync(api, "-private");
        await api.StartJobAsync(world.AlphaJob);
        await api.StartJobAsync(world.BetaJob);
        using var beta = api.ClientAs(world.BetaMember);
        using var admin = api.CreateClient();

        var jobs = await beta.GetStringAsync("/api/v1/accounting/jobs", Ct);
        var byTeam = await AccountingByOwnerTests.UsageAsync(beta, "team");
        var byQueue = await AccountingByOwnerTests.UsageAsync(beta, "queue");
        var cluster = await beta.GetStringAsync("/api/v1/dashboard/cluster", Ct);
        var adminByTeam = await AccountingByOwnerTests.UsageAsync(admin, "team");

        Assert.DoesNotContain(world.AlphaJob.ToString(), jobs, StringComparison.Ordinal);
        Assert.DoesNotContain("alpha-job", jobs, StringComparison.Ordinal);
        Assert.Contains(world.BetaJob.ToString(), jobs, StringComparison.Ordinal);
        Assert.Equal(["beta"], byTeam.Keys);
        Assert.Equal([TeamWorld.BetaQueue], byQueue.Keys);
        Assert.DoesNotContain("alpha-job", cluster, StringComparison.Ordinal);
        Assert.DoesNotContain(world.AlphaJob.ToString(), cluster, StringComparison.Ordinal);
        Assert.Contains("hidden (another team)", cluster, StringComparison.Ordinal);
        Assert.Contains("beta-job-private", cluster, StringComparison.Ordinal);
        // A cluster admin still sees everything.
        Assert.Equal(["alpha", "beta"], adminByTeam.Keys.Order(StringComparer.Ordinal));
    }
}
