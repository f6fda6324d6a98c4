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
            ["Scheduler:JobPods:QueueClaims:claims:0"] = "datasets",
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
    public async Task An_array_counts_each_of_its_tasks_against_the_queued_jobs_cap()
    {
        await api.PutQueueAsync("capped-array");
        using var client = api.CreateClient();
        var before = await api.RowCountsAsync();

        using var refused = await SubmitAsync(client, JobSpecBuilder.AJob("sweep").InQueue("capped-array").Array(3).Build());
        using var fits = await SubmitAsync(client, JobSpecBuilder.AJob("pair").InQueue("capped-array").Array(2).Build());

        await AssertRefusedAsync(refused, "maxQueuedJobsPerQueue", "this array adds 3; the limit is 2");
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
        Assert.NotEqual(before, await api.RowCountsAsync());
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

    [Fact]
    public async Task A_job_mounts_only_the_claims_its_queue_allows()
    {
        await api.PutQueueAsync("claims");
        await api.PutQueueAsync("no-claims");
        using var client = api.CreateClient();
        JobSpec Mounting(string name, string queue, string claim, string? checkpoint = null) => JobSpecJson.Parse(JobSpecJson.Serialize(
            JobSpecBuilder.AJob(name).InQueue(queue).With(s => s with
            {
                Container = new ContainerSpec { Volumes = [new VolumeSpec { Name = "data", ClaimName = claim, MountPath = "/data" }] },
                Checkpoint = checkpoint is null ? null : new CheckpointSpec { Volume = checkpoint },
            }).Build())).Spec!;

        using var allowed = await SubmitAsync(client, Mounting("allowed", "claims", "datasets"));
        using var other = await SubmitAsync(client, Mounting("other-claim", "claims", "secrets"));
        using var checkpoint = await SubmitAsync(client, Mounting("other-checkpoint", "claims", "datasets", checkpoint: "elsewhere"));
        using var unlisted = await SubmitAsync(client, Mounting("unlisted", "no-claims", "datasets"));

        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        await AssertFieldAsync(other, HttpStatusCode.UnprocessableEntity, "container.volumes[0].claimName", "it allows datasets");
        await AssertFieldAsync(checkpoint, HttpStatusCode.UnprocessableEntity, "checkpoint.volume", "names claim 'elsewhere'");
        await AssertFieldAsync(unlisted, HttpStatusCode.UnprocessableEntity, "container.volumes[0].claimName", "it allows none");
    }

    private static async Task AssertFieldAsync(HttpResponseMessage response, HttpStatusCode status, string field, string says)
    {
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == status, body);
        using var problem = JsonDocument.Parse(body);
        Assert.Contains(says, problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
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
