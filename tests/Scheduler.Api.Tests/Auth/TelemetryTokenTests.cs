using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;

namespace Scheduler.Api.Tests.Auth;

/// <summary>
/// Telemetry moves the calibrated MFU of a GPU type, which reprices every budget: only the attempt's own token may post
/// it. Forged samples (no token, another job's, an ended attempt's, a user's) are refused and calibration is unchanged.
/// </summary>
public sealed class TelemetryTokenTests(ApiFactory api) : IClassFixture<ApiFactory>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A final sample of a finished GPU run: the kind calibration learns from.
    private static StringContent FinalSample() => new(
        $$"""{ "step": 100, "tokens": 819200, "loss": 3.0, "tokensPerSecond": 90000, "stepSeconds": 0.1, "device": "cuda", "worldSize": 1, "final": true, "exitReason": "finished", "timestamp": "{{DateTimeOffset.UtcNow:O}}" }""",
        Encoding.UTF8, "application/json");

    private async Task<HttpStatusCode> PostAsync(Guid jobId, string? token)
    {
        using var client = api.ClientAs(token);
        using var response = await client.PostAsync($"/api/v1/jobs/{jobId}/telemetry", FinalSample(), Ct);
        return response.StatusCode;
    }

    private async Task<JsonNode> CalibrationAsync()
    {
        using var admin = api.CreateClient();
        // Rebuilt from the stored samples, not the cached table: what a forged sample could have changed.
        using var rebuilt = await admin.PostAsync("/api/v1/calibration", null, Ct);
        rebuilt.EnsureSuccessStatusCode();
        var table = JsonNode.Parse(await admin.GetStringAsync("/api/v1/calibration", Ct))!.AsObject();
        // When it was rebuilt changes every time; what it says is the rest.
        table.Remove("calibratedAt");
        return table;
    }

    private async Task<Guid> SubmitAsync(string name)
    {
        await api.PutQueueAsync("telemetry");
        await using var scope = api.Services.CreateAsyncScope();
        var submitted = await scope.ServiceProvider.GetRequiredService<ISender>().Send(
            new SubmitJob(Testing.Builders.JobSpecBuilder.AJob(name).InQueue("telemetry").Build()), Ct);
        Assert.True(submitted.IsSuccess, submitted.Failure?.Title);
        return submitted.Value.Job.Id;
    }

    [Fact]
    public async Task Forged_telemetry_is_refused_and_calibration_is_unchanged()
    {
        var target = await SubmitAsync("target");
        var other = await SubmitAsync("other");
        await api.StartJobAsync(target);
        var otherToken = await api.StartJobAsync(other);
        var before = await CalibrationAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(target, null));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(target, otherToken));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(target, api.AdminToken));
        Assert.Equal(HttpStatusCode.Conflict, await PostAsync(target, api.JobToken(target, 7)));
        Assert.Equal(HttpStatusCode.Unauthorized, await PostAsync(target, api.JobToken(target, 1)[..^4] + "AAAA"));

        Assert.True(JsonNode.DeepEquals(before, await CalibrationAsync()));
    }

    [Fact]
    public async Task An_ended_attempts_token_is_refused()
    {
        var job = await SubmitAsync("ended");
        var token = await api.StartJobAsync(job);
        Assert.Equal(HttpStatusCode.OK, await PostAsync(job, token));
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var cancelled = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new CancelJob(job), Ct);
            Assert.True(cancelled.IsSuccess, cancelled.Failure?.Title);
            Assert.Equal(JobState.Cancelled, cancelled.Value.State);
        }

        Assert.Equal(HttpStatusCode.Conflict, await PostAsync(job, token));
    }

    [Fact]
    public async Task Calibration_learns_from_a_final_sample_only_once_the_job_succeeded()
    {
        var job = await SubmitAsync("learner");
        var token = await api.StartJobAsync(job);
        var before = await CalibrationAsync();

        Assert.Equal(HttpStatusCode.OK, await PostAsync(job, token));
        var whileRunning = await CalibrationAsync();
        await using (var scope = api.Services.CreateAsyncScope())
        {
            var done = await scope.ServiceProvider.GetRequiredService<ISender>().Send(new TransitionJob(job, JobState.Succeeded, "finished"), Ct);
            Assert.True(done.IsSuccess, done.Failure?.Title);
        }

        Assert.True(JsonNode.DeepEquals(before, whileRunning));
        Assert.False(JsonNode.DeepEquals(before, await CalibrationAsync()));
    }
}
