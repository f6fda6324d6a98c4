using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduler.Application.Jobs;
using Scheduler.Application.Notifications;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>Webhooks over REST: a broken <c>notify</c> is a 400 problem+json naming the field; the deliveries are listed on the job.</summary>
public sealed class JobNotificationsApiTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private static readonly JsonSerializerOptions Json = JsonSerializerOptions.Web;

    public ValueTask InitializeAsync() => new(api.PutQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Body(JobSpecBuilder spec) => new(spec.ToJson(), Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("http://hooks.example.com/a", "notify[0].url")]
    [InlineData("ftp://hooks.example.com/a", "notify[0].url")]
    public async Task A_broken_webhook_answers_400_problem_json_naming_the_field(string url, string field)
    {
        using var client = api.CreateClient();

        var response = await client.PostAsync("/api/v1/jobs", Body(JobSpecBuilder.AJob("rest-hooked").Notify(url, NotificationEvent.Failed)), Ct);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(field, out _), body);
    }

    [Fact]
    public async Task A_cancelled_job_lists_its_pending_delivery()
    {
        using var client = api.CreateClient();
        var created = await client.PostAsync("/api/v1/jobs",
            Body(JobSpecBuilder.AJob("rest-notified").Notify("https://hooks.invalid/ml", NotificationEvent.Cancelled)), Ct);
        var job = (await created.Content.ReadFromJsonAsync<JobDetails>(Json, Ct))!;

        await client.DeleteAsync($"/api/v1/jobs/{job.Id}", Ct);
        var deliveries = (await client.GetFromJsonAsync<List<NotificationDetails>>($"/api/v1/jobs/{job.Id}/notifications", Json, Ct))!;

        var delivery = Assert.Single(deliveries);
        Assert.Equal(("Cancelled", "https://hooks.invalid/ml"), (delivery.Event, delivery.Url));
        Assert.Contains(delivery.Status, new[] { "Pending", "GaveUp" });
    }
}
