using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

public sealed class JobsApiTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public ValueTask InitializeAsync() => new(api.PutQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static StringContent SpecBody(JobSpec spec) => new(JobSpecJson.Serialize(spec), System.Text.Encoding.UTF8, "application/json");

    [Fact]
    public async Task Submit_list_read_cancel_and_read_the_events()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = api.CreateClient();

        var created = await client.PostAsync("/api/v1/jobs", SpecBody(JobSpecBuilder.AJob("walkthrough").Build()), ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var job = (await created.Content.ReadFromJsonAsync<JobDetails>(Json, ct))!;
        Assert.Equal($"/api/v1/jobs/{job.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal(JobState.Queued, job.State);

        var again = await client.PostAsync("/api/v1/jobs", SpecBody(JobSpecBuilder.AJob("walkthrough").Build()), ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var conflict = await client.PostAsync("/api/v1/jobs", SpecBody(JobSpecBuilder.AJob("walkthrough").Gpus(2).Build()), ct);
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);

        var page = (await client.GetFromJsonAsync<JobPage>("/api/v1/jobs?queue=research&state=queued", Json, ct))!;
        Assert.Contains(page.Items, j => j.Id == job.Id);
        Assert.Equal(job, await client.GetFromJsonAsync<JobDetails>($"/api/v1/jobs/{job.Id}", Json, ct));

        var cancelled = await client.DeleteAsync($"/api/v1/jobs/{job.Id}", ct);
        Assert.Equal(JobState.Cancelled, (await cancelled.Content.ReadFromJsonAsync<JobDetails>(Json, ct))!.State);
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/v1/jobs/{job.Id}", ct)).StatusCode);

        var events = (await client.GetFromJsonAsync<List<JobEventDetails>>($"/api/v1/jobs/{job.Id}/events", Json, ct))!;
        Assert.Equal([JobState.Queued, JobState.Cancelled], events.Select(e => e.To));
        Assert.StartsWith(CancelJob.Reason + ": cancelled by ", events[^1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_same_idempotency_key_returns_the_first_job()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = api.CreateClient();
        client.DefaultRequestHeaders.Add("Idempotency-Key", "submit-once-42");

        var first = await client.PostAsync("/api/v1/jobs", SpecBody(JobSpecBuilder.AJob("keyed").Build()), ct);
        var second = await client.PostAsync("/api/v1/jobs", SpecBody(JobSpecBuilder.AJob("keyed").Build()), ct);
        var other = await client.PostAsync("/api/v1/jobs", SpecBody(JobSpecBuilder.AJob("keyed-other").Build()), ct);

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.UnprocessableEntity), (first.StatusCode, second.StatusCode, other.StatusCode));
        Assert.Equal((await first.Content.ReadFromJsonAsync<JobDetails>(Json, ct))!.Id, (await second.Content.ReadFromJsonAsync<JobDetails>(Json, ct))!.Id);
    }

    [Fact]
    public async Task Serves_health_readiness_the_openapi_document_and_an_offline_reference_page()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = api.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/healthz", ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/readyz", ct)).StatusCode);
        using var openApi = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json", ct));
        var paths = openApi.RootElement.GetProperty("paths");
        foreach (var path in new[] { "/api/v1/jobs", "/api/v1/jobs/{id}", "/api/v1/jobs/{id}/events", "/api/v1/queues", "/api/v1/queues/{name}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the OpenAPI document lacks {path}");
        }

        var page = await client.GetStringAsync("/scalar/v1", ct);
        Assert.DoesNotContain("cdn.", page, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/scalar/scalar.js", ct)).StatusCode);
    }
}
