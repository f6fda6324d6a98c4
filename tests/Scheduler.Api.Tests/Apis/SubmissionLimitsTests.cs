using System.Net;
using System.Text.Json;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>The host with small submission limits (Scheduler:Limits).</summary>
public sealed class LimitedApiFactory : ApiFactory
{
    public LimitedApiFactory() =>
        Settings = new Dictionary<string, string>
        {
            ["Scheduler:Limits:MaxQueuedJobsPerQueue"] = "2",
            ["Scheduler:Limits:MaxActiveSpecBytes"] = "20000",
        };
}

public sealed class SubmissionLimitsTests(LimitedApiFactory api) : IClassFixture<LimitedApiFactory>
{
    [Fact]
    public async Task A_full_queue_answers_429_naming_the_limit_but_still_answers_an_identical_resubmission()
    {
        await api.PutQueueAsync("capped");
        using var client = api.CreateClient();
        var first = JobSpecBuilder.AJob("first").InQueue("capped").Build();
        Assert.Equal(HttpStatusCode.Created, (await SubmitAsync(client, first)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await SubmitAsync(client, JobSpecBuilder.AJob("second").InQueue("capped").Build())).StatusCode);
        var before = await api.RowCountsAsync();

        using var third = await SubmitAsync(client, JobSpecBuilder.AJob("third").InQueue("capped").Build());
        using var again = await SubmitAsync(client, first);

        await AssertRefusedAsync(third, "maxQueuedJobsPerQueue", "the limit is 2");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(before, await api.RowCountsAsync());
    }

    [Fact]
    public async Task Specs_past_the_total_active_spec_bytes_answer_429_naming_the_limit()
    {
        await api.PutQueueAsync("large");
        using var client = api.CreateClient();
        JobSpec Large(string name) => JobSpecBuilder.AJob(name).InQueue("large")
            .With(s => s with { Container = new ContainerSpec { Env = new Dictionary<string, string> { ["BLOB"] = new string('x', 12_000) } } }).Build();

        using var accepted = await SubmitAsync(client, Large("large-1"));
        using var refused = await SubmitAsync(client, Large("large-2"));

        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
        await AssertRefusedAsync(refused, "maxActiveSpecBytes", "the limit of 20000");
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient client, JobSpec spec) =>
        client.PostAsync("/api/v1/jobs", new StringContent(JobSpecJson.Serialize(spec), System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string limit, string says)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        var message = problem.RootElement.GetProperty("errors").GetProperty(limit)[0].GetString();
        Assert.Contains(says, message, StringComparison.Ordinal);
    }
}
