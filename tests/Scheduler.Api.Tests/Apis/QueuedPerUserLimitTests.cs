using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>The host with a cap on the jobs one user may have queued (Scheduler:Limits:MaxQueuedJobsPerUser).</summary>
public sealed class UserLimitedApiFactory : ApiFactory
{
    public UserLimitedApiFactory() =>
        Settings = new Dictionary<string, string> { ["Scheduler:Limits:MaxQueuedJobsPerUser"] = "2" };
}

public sealed class QueuedPerUserLimitTests(UserLimitedApiFactory api) : IClassFixture<UserLimitedApiFactory>
{
    [Fact]
    public async Task A_user_past_their_queued_jobs_answers_429_naming_the_limit_across_queues_while_others_still_submit()
    {
        await api.PutQueueAsync("user-cap-a");
        await api.PutQueueAsync("user-cap-b");
        using var alice = api.ClientAs(await api.Services.CreateAdminTokenAsync("alice", "tests", TestContext.Current.CancellationToken));
        using var bob = api.ClientAs(await api.Services.CreateAdminTokenAsync("bob", "tests", TestContext.Current.CancellationToken));

        using var first = await SubmitAsync(alice, JobSpecBuilder.AJob("a-1").InQueue("user-cap-a").Build());
        using var second = await SubmitAsync(alice, JobSpecBuilder.AJob("a-2").InQueue("user-cap-b").Build());
        var before = await api.RowCountsAsync();
        using var third = await SubmitAsync(alice, JobSpecBuilder.AJob("a-3").InQueue("user-cap-a").Build());
        var after = await api.RowCountsAsync();
        using var others = await SubmitAsync(bob, JobSpecBuilder.AJob("b-1").InQueue("user-cap-a").Build());

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (first.StatusCode, second.StatusCode));
        var body = await third.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(third.StatusCode == HttpStatusCode.TooManyRequests, body);
        using var problem = JsonDocument.Parse(body);
        Assert.Contains("user 'alice' already has 2 queued jobs; the limit is 2", problem.RootElement.GetProperty("errors").GetProperty("maxQueuedJobsPerUser")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(before, after);
        Assert.Equal(HttpStatusCode.Created, others.StatusCode);
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient client, JobSpec spec) =>
        client.PostAsync("/api/v1/jobs", new StringContent(JobSpecJson.Serialize(spec), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
}
