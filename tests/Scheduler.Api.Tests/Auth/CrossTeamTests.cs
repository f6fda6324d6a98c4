using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Npgsql;

namespace Scheduler.Api.Tests.Auth;

/// <summary>Team B's member against team A's job and queue: refused, and the database shows nothing moved.</summary>
public sealed class CrossTeamTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string State, int Version)> JobRowAsync(Guid id)
    {
        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var read = new NpgsqlCommand("SELECT state, version FROM jobs WHERE id = @id", connection) { Parameters = { new("id", id) } };
        await using var reader = await read.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetString(0), reader.GetInt32(1));
    }

    private async Task<(string Spec, DateTime Updated)> QueueRowAsync(string name)
    {
        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var read = new NpgsqlCommand("SELECT spec::text, updated_at FROM queues WHERE name = @name", connection) { Parameters = { new("name", name) } };
        await using var reader = await read.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        return (reader.GetString(0), reader.GetDateTime(1));
    }

    [Fact]
    public async Task Another_teams_member_cannot_cancel_a_job_and_it_stays_as_it_was()
    {
        var world = await TeamWorld.CreateAsync(api, "-cancel");
        var before = await JobRowAsync(world.AlphaJob);
        using var beta = api.ClientAs(world.BetaMember);

        using var response = await beta.DeleteAsync($"/api/v1/jobs/{world.AlphaJob}", Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("jobs:manage", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(before, await JobRowAsync(world.AlphaJob));
    }

    [Theory]
    [InlineData("POST", "hold")]
    [InlineData("POST", "release")]
    [InlineData("POST", "requeue")]
    [InlineData("PATCH", "")]
    public async Task Another_teams_member_cannot_hold_release_requeue_or_update_a_job_and_it_stays_as_it_was(string method, string control)
    {
        var world = await TeamWorld.CreateAsync(api, $"-{method.ToLowerInvariant()}{control}");
        var before = await JobRowAsync(world.AlphaJob);
        using var beta = api.ClientAs(world.BetaMember);
        using var request = new HttpRequestMessage(new HttpMethod(method), control.Length == 0 ? $"/api/v1/jobs/{world.AlphaJob}" : $"/api/v1/jobs/{world.AlphaJob}/{control}")
        {
            Content = method == "PATCH" ? new StringContent("""{"priorityClass":"high"}""", System.Text.Encoding.UTF8, "application/json") : null,
        };

        using var response = await beta.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("jobs:manage", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(before, await JobRowAsync(world.AlphaJob));
    }

    [Fact]
    public async Task The_owning_teams_member_cancels_its_job_and_the_submitter_is_recorded()
    {
        var world = await TeamWorld.CreateAsync(api, "-own");
        using var alpha = api.ClientAs(world.AlphaMember);
        var submitted = await alpha.PostAsync("/api/v1/jobs", new StringContent(
            Testing.Builders.JobSpecBuilder.AJob("mine-own").InQueue(TeamWorld.AlphaQueue).ToJson(), System.Text.Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var job = (await submitted.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Ct));

        using var cancel = await alpha.DeleteAsync($"/api/v1/jobs/{job.GetProperty("id").GetGuid()}", Ct);

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("alpha-member-own", job.GetProperty("submittedBy").GetString());
        Assert.Equal("Cancelled", (await JobRowAsync(job.GetProperty("id").GetGuid())).State);
    }

    [Fact]
    public async Task Another_teams_member_cannot_submit_to_or_replace_a_queue_and_it_stays_as_it_was()
    {
        var world = await TeamWorld.CreateAsync(api, "-queue");
        var before = await QueueRowAsync(TeamWorld.AlphaQueue);
        using var beta = api.ClientAs(world.BetaMember);

        using var put = await beta.PutAsJsonAsync($"/api/v1/queues/{TeamWorld.AlphaQueue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 }, fairShareWeight = 5 }, Ct);
        using var submit = await beta.PostAsync("/api/v1/jobs", new StringContent(
            Testing.Builders.JobSpecBuilder.AJob("intruder").InQueue(TeamWorld.AlphaQueue).ToJson(), System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, submit.StatusCode);
        Assert.Equal(before, await QueueRowAsync(TeamWorld.AlphaQueue));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM jobs WHERE name = 'intruder'"));
    }

    [Fact]
    public async Task A_team_admin_cannot_raise_their_own_quota()
    {
        var world = await TeamWorld.CreateAsync(api, "-quota");
        var before = await QueueRowAsync(TeamWorld.AlphaQueue);
        using var alphaAdmin = api.ClientAs(world.AlphaAdmin);

        using var put = await alphaAdmin.PutAsJsonAsync($"/api/v1/queues/{TeamWorld.AlphaQueue}", new { nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 800 } }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Contains("queues:quota", await put.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        Assert.Equal(before, await QueueRowAsync(TeamWorld.AlphaQueue));
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand(sql, connection);
        return (long)(await count.ExecuteScalarAsync(Ct))!;
    }
}

/// <summary>The installation in private mode: other teams' jobs are not listed and read as absent.</summary>
public sealed class PrivateModeApiFactory : ApiFactory
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder!.UseSetting("Scheduler:Auth:PrivateMode", "true");
    }
}

public sealed class PrivateModeTests(PrivateModeApiFactory api) : IClassFixture<PrivateModeApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Another_teams_job_is_neither_listed_nor_readable_in_private_mode()
    {
        var world = await TeamWorld.CreateAsync(api);
        using var beta = api.ClientAs(world.BetaMember);

        var list = await beta.GetStringAsync("/api/v1/jobs?limit=500", Ct);
        using var read = await beta.GetAsync($"/api/v1/jobs/{world.AlphaJob}", Ct);
        using var events = await beta.GetAsync($"/api/v1/jobs/{world.AlphaJob}/events", Ct);
        using var own = await beta.GetAsync($"/api/v1/jobs/{world.BetaJob}", Ct);
        var board = await beta.GetStringAsync("/api/v1/dashboard/queues", Ct);

        Assert.DoesNotContain(world.AlphaJob.ToString(), list, StringComparison.Ordinal);
        Assert.Contains(world.BetaJob.ToString(), list, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, events.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        // The queue page keeps them as anonymous occupancy.
        Assert.DoesNotContain("alpha-job", board, StringComparison.Ordinal);
        Assert.DoesNotContain(world.AlphaJob.ToString(), board, StringComparison.Ordinal);
        Assert.Contains("hidden (another team)", board, StringComparison.Ordinal);
        Assert.Contains("beta-job", board, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dependency_on_another_teams_job_by_id_is_refused_as_absent_in_private_mode()
    {
        var world = await TeamWorld.CreateAsync(api, "-dep");
        using var beta = api.ClientAs(world.BetaMember);
        var before = await CountAsync();

        // Accepted, it told whether the id exists and (by whether the dependant ran) how that job ended.
        using var hidden = await beta.PostAsync("/api/v1/jobs", Json(world.AlphaJob), Ct);
        using var absent = await beta.PostAsync("/api/v1/jobs", Json(Guid.CreateVersion7()), Ct);
        using var own = await beta.PostAsync("/api/v1/jobs", Json(world.BetaJob, "waits-on-own"), Ct);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, hidden.StatusCode);
        var hiddenBody = await hidden.Content.ReadAsStringAsync(Ct);
        var absentBody = await absent.Content.ReadAsStringAsync(Ct);
        Assert.Contains("dependencies[0].job", hiddenBody, StringComparison.Ordinal);
        Assert.Contains("names no job or array with id", hiddenBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, absent.StatusCode);
        Assert.Contains("names no job or array with id", absentBody, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        Assert.Equal(before + 1, await CountAsync());
    }

    private static StringContent Json(Guid dependency, string name = "waits-on-alpha") => new(
        Testing.Builders.JobSpecBuilder.AJob(name).InQueue(TeamWorld.BetaQueue).After(Domain.Specs.DependencyType.AfterOk, dependency.ToString()).ToJson(),
        System.Text.Encoding.UTF8, "application/json");

    private async Task<long> CountAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM jobs", connection);
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }
}
