using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>Arrays and dependencies through REST: one request stores an array, the listing and cancellation act on all its tasks, and bad dependencies are refused at submit.</summary>
public sealed class JobArraysApiTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => new(api.PutQueueAsync("arrays"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task An_array_is_one_submit_listed_by_its_id_and_cancelled_as_a_whole()
    {
        using var client = api.CreateClient();

        using var created = await SubmitAsync(client, JobSpecBuilder.AJob("sweep").InQueue("arrays").Array(50, 4).Build());

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var first = (await created.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;
        Assert.Equal(("sweep-0", 0, 4), (first.Name, first.ArrayIndex, first.Spec.Array!.Parallelism));
        var arrayId = first.ArrayId!.Value;
        var page = (await client.GetFromJsonAsync<JobPage>($"/api/v1/jobs?array={arrayId}&limit=500", Json, Ct))!;
        Assert.Equal(Enumerable.Range(0, 50), page.Items.Select(j => j.ArrayIndex!.Value).Order());
        Assert.All(page.Items, j => Assert.Equal($"sweep-{j.ArrayIndex}", j.Name));

        // One task alone, then the rest through any task's id.
        Assert.Equal(HttpStatusCode.OK, (await client.DeleteAsync($"/api/v1/jobs/{page.Items[7].Id}", Ct)).StatusCode);
        var cancelled = await client.DeleteAsync($"/api/v1/jobs/{page.Items[3].Id}/array", Ct);
        Assert.Equal(new CancelledArray(arrayId, 50, 49), await cancelled.Content.ReadFromJsonAsync<CancelledArray>(Json, Ct));
        var again = await client.DeleteAsync($"/api/v1/jobs/{arrayId}/array", Ct);
        Assert.Equal(new CancelledArray(arrayId, 50, 0), await again.Content.ReadFromJsonAsync<CancelledArray>(Json, Ct));
        var ended = (await client.GetFromJsonAsync<JobPage>($"/api/v1/jobs?array={arrayId}&state=cancelled&limit=500", Json, Ct))!;
        Assert.Equal(50, ended.Items.Count);
    }

    [Fact]
    public async Task Holding_an_array_holds_its_queued_tasks_and_releasing_it_lets_them_go_again()
    {
        using var client = api.CreateClient();
        using var created = await SubmitAsync(client, JobSpecBuilder.AJob("held-sweep").InQueue("arrays").Array(6, 2).Build());
        var first = (await created.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;
        var arrayId = first.ArrayId!.Value;
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync($"/api/v1/jobs/{first.Id}/hold", null, Ct)).StatusCode);

        using var held = await client.PostAsync($"/api/v1/jobs/{arrayId}/array/hold", null, Ct);
        var heldTasks = (await client.GetFromJsonAsync<JobPage>($"/api/v1/jobs?array={arrayId}&limit=500", Json, Ct))!;
        using var released = await client.PostAsync($"/api/v1/jobs/{first.Id}/array/release", null, Ct);
        var releasedTasks = (await client.GetFromJsonAsync<JobPage>($"/api/v1/jobs?array={arrayId}&limit=500", Json, Ct))!;

        // Task 0 was held alone first: the array hold changes the other five.
        Assert.Equal(new ArrayControlled(arrayId, 6, 5), await held.Content.ReadFromJsonAsync<ArrayControlled>(Json, Ct));
        Assert.All(heldTasks.Items, t => Assert.NotNull(t.HeldBy));
        Assert.Equal(new ArrayControlled(arrayId, 6, 6), await released.Content.ReadFromJsonAsync<ArrayControlled>(Json, Ct));
        Assert.All(releasedTasks.Items, t => Assert.Null(t.HeldBy));
        Assert.All(releasedTasks.Items, t => Assert.Equal(JobState.Queued, t.State));
    }

    [Fact]
    public async Task Holding_the_array_of_a_job_that_is_no_task_is_a_conflict_naming_the_single_job_hold()
    {
        using var client = api.CreateClient();
        using var created = await SubmitAsync(client, JobSpecBuilder.AJob("lonely").InQueue("arrays").Build());
        var job = (await created.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;

        using var conflict = await client.PostAsync($"/api/v1/jobs/{job.Id}/array/hold", null, Ct);

        await AssertFieldAsync(conflict, HttpStatusCode.Conflict, "id", $"hold it with POST /api/v1/jobs/{job.Id}/hold");
    }

    [Fact]
    public async Task Cancelling_the_array_of_a_job_that_is_no_task_is_a_conflict_and_of_nothing_not_found()
    {
        using var client = api.CreateClient();
        using var single = await SubmitAsync(client, JobSpecBuilder.AJob("alone").InQueue("arrays").Build());
        var job = (await single.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;

        using var conflict = await client.DeleteAsync($"/api/v1/jobs/{job.Id}/array", Ct);
        using var missing = await client.DeleteAsync($"/api/v1/jobs/{Guid.NewGuid()}/array", Ct);
        using var badList = await client.GetAsync("/api/v1/jobs?array=not-an-id", Ct);

        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await AssertFieldAsync(badList, HttpStatusCode.BadRequest, "array", "array id");
    }

    [Fact]
    public async Task A_dependency_on_the_job_itself_or_on_no_job_is_refused_naming_the_field()
    {
        using var client = api.CreateClient();
        using var anchor = await SubmitAsync(client, JobSpecBuilder.AJob("anchor").InQueue("arrays").Build());
        Assert.Equal(HttpStatusCode.Created, anchor.StatusCode);
        var before = await api.RowCountsAsync();

        using var itself = await SubmitAsync(client, JobSpecBuilder.AJob("loop").InQueue("arrays").After(DependencyType.AfterOk, "loop").Build());
        using var unknownName = await SubmitAsync(client, JobSpecBuilder.AJob("orphan").InQueue("arrays")
            .After(DependencyType.AfterAny, "anchor").After(DependencyType.AfterOk, "never-submitted").Build());
        using var unknownId = await SubmitAsync(client, JobSpecBuilder.AJob("orphan").InQueue("arrays").After(DependencyType.AfterOk, Guid.NewGuid().ToString()).Build());
        using var badType = await client.PostAsync("/api/v1/jobs", new StringContent(
            JobSpecBuilder.AJob("typo").InQueue("arrays").ToJson().Replace("\"name\":\"typo\"", "\"name\":\"typo\",\"dependencies\":[{\"type\":\"afterwards\",\"job\":\"x\"}]", StringComparison.Ordinal),
            System.Text.Encoding.UTF8, "application/json"), Ct);

        await AssertFieldAsync(itself, HttpStatusCode.UnprocessableEntity, "dependencies[0].job", "dependency cycle");
        await AssertFieldAsync(unknownName, HttpStatusCode.UnprocessableEntity, "dependencies[1].job", "names no job or array called 'never-submitted'");
        await AssertFieldAsync(unknownId, HttpStatusCode.UnprocessableEntity, "dependencies[0].job", "names no job or array with id");
        Assert.Equal(HttpStatusCode.BadRequest, badType.StatusCode);
        Assert.Equal(before, await api.RowCountsAsync());
    }

    [Fact]
    public async Task A_dependency_by_name_is_stored_as_the_id_it_resolved_to_and_an_array_by_its_name_as_the_array_id()
    {
        using var client = api.CreateClient();
        using var prepResponse = await SubmitAsync(client, JobSpecBuilder.AJob("prep").InQueue("arrays").Build());
        var prep = (await prepResponse.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;
        using var shardsResponse = await SubmitAsync(client, JobSpecBuilder.AJob("shards").InQueue("arrays").Array(3).Build());
        var shards = (await shardsResponse.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;

        using var created = await SubmitAsync(client, JobSpecBuilder.AJob("train").InQueue("arrays")
            .After(DependencyType.AfterOk, "prep").After(DependencyType.AfterAny, "shards").Build());

        var train = (await created.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;
        Assert.Equal([prep.Id.ToString(), shards.ArrayId.ToString()], train.Spec.Dependencies!.Select(d => d.Job));
    }

    private static Task<HttpResponseMessage> SubmitAsync(HttpClient client, JobSpec spec) =>
        client.PostAsync("/api/v1/jobs", new StringContent(JobSpecJson.Serialize(spec), System.Text.Encoding.UTF8, "application/json"), Ct);

    private static async Task AssertFieldAsync(HttpResponseMessage response, HttpStatusCode status, string field, string says)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == status, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        Assert.Contains(says, problem.RootElement.GetProperty("errors").GetProperty(field)[0].GetString(), StringComparison.Ordinal);
    }
}
