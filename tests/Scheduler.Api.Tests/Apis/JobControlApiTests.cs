using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>Hold, release, requeue and update over REST: the answers, and 4xx problem+json naming the field for what is forbidden.</summary>
public sealed class JobControlApiTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public ValueTask InitializeAsync() => new(api.PutQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<JobDetails> SubmitAsync(HttpClient client, string name)
    {
        var created = await client.PostAsync("/api/v1/jobs", Body(JobSpecJson.Serialize(JobSpecBuilder.AJob(name).Build())), Ct);
        return (await created.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;
    }

    [Fact]
    public async Task Hold_and_release_answer_the_job_and_the_events_name_the_caller()
    {
        using var client = api.CreateClient();
        var job = await SubmitAsync(client, "rest-held");

        var held = await client.PostAsync($"/api/v1/jobs/{job.Id}/hold", null, Ct);
        var heldJob = (await held.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;
        var released = await client.PostAsync($"/api/v1/jobs/{job.Id}/release", null, Ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (held.StatusCode, released.StatusCode));
        Assert.NotNull(heldJob.HeldBy);
        Assert.Equal($"Held (by user {heldJob.HeldBy})", heldJob.PendingReason);
        var events = (await client.GetFromJsonAsync<List<JobEventDetails>>($"/api/v1/jobs/{job.Id}/events", Json, Ct))!;
        Assert.Equal([$"Held by user {heldJob.HeldBy}", $"Released by user {heldJob.HeldBy}"], events.Skip(1).Select(e => e.Reason));
    }

    [Fact]
    public async Task Forbidden_changes_answer_problem_json_naming_the_field()
    {
        using var client = api.CreateClient();
        var job = await SubmitAsync(client, "rest-updated");

        var requeueQueued = await client.PostAsync($"/api/v1/jobs/{job.Id}/requeue", null, Ct);
        var badRuntime = await client.PatchAsync($"/api/v1/jobs/{job.Id}", Body("""{ "maxRuntime": "forever" }"""), Ct);
        var unknownMember = await client.PatchAsync($"/api/v1/jobs/{job.Id}", Body("""{ "gpus": 4 }"""), Ct);
        var ok = await client.PatchAsync($"/api/v1/jobs/{job.Id}", Body("""{ "priorityClass": "high" }"""), Ct);
        await client.DeleteAsync($"/api/v1/jobs/{job.Id}", Ct);
        var ended = await client.PatchAsync($"/api/v1/jobs/{job.Id}", Body("""{ "maxRuntime": "PT1H" }"""), Ct);

        await AssertProblemAsync(requeueQueued, HttpStatusCode.Conflict, "state");
        await AssertProblemAsync(badRuntime, HttpStatusCode.BadRequest, "maxRuntime");
        Assert.Equal(HttpStatusCode.BadRequest, unknownMember.StatusCode);
        Assert.Equal("high", (await ok.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!.PriorityClass);
        await AssertProblemAsync(ended, HttpStatusCode.Conflict, "state");
        Assert.Equal(JobState.Cancelled, (await client.GetFromJsonAsync<JobDetails>($"/api/v1/jobs/{job.Id}", Json, Ct))!.State);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, $"expected {status}, answered {response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }
}
