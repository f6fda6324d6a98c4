using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary><c>GET /api/v1/jobs/{id}/advice</c>: the cheaper layout a stored job could run with, over HTTP.</summary>
public sealed class JobAdviceApiTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(api.PutQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Four pipeline stages fed four sequences a step: most of each step is the pipeline's bubble.</summary>
    private static JobSpecBuilder BubblyPipeline(string name) => JobSpecBuilder.AJob(name).Gpus(8, gpusPerNode: 8)
        .Parallelism(p => p with { Pipeline = 4, Data = 2 }).Training(t => t with { GlobalBatchSize = 4 });

    private async Task<JsonObject> SubmitAndAdviseAsync(HttpClient client, JobSpecBuilder spec)
    {
        using var created = await client.PostAsync("/api/v1/jobs", new StringContent(spec.ToJson(), Encoding.UTF8, "application/json"), Ct);
        var body = await created.Content.ReadAsStringAsync(Ct);
        Assert.True(created.IsSuccessStatusCode, body);
        var id = JsonNode.Parse(body)!["id"]!.GetValue<string>();
        using var response = await client.GetAsync($"/api/v1/jobs/{id}/advice", Ct);
        var advice = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, advice);
        return JsonNode.Parse(advice)!.AsObject();
    }

    [Fact]
    public async Task A_queued_job_with_its_own_image_is_offered_a_layout_without_the_pipeline_bubble()
    {
        using var client = api.CreateClient();

        var advice = await SubmitAndAdviseAsync(client, BubblyPipeline("advice-image")
            .With(s => s with { Container = new ContainerSpec { Image = "registry.example.com/train:1" } }));

        Assert.True(advice["offered"]!.GetValue<bool>(), advice.ToJsonString());
        Assert.Equal("Any", advice["scope"]!.GetValue<string>());
        var saving = advice["saving"]!.GetValue<double>();
        Assert.InRange(saving, 0.10, 1);
        var submitted = advice["submitted"]!["gpuHours"]!.GetValue<double>();
        var cheaper = advice["cheaper"]!;
        Assert.Equal(submitted * (1 - saving), cheaper["gpuHours"]!.GetValue<double>(), submitted * 1e-9);
        Assert.True(cheaper["fits"]!.GetValue<bool>());
        Assert.NotEmpty(cheaper["changes"]!.AsObject());
        Assert.Contains("bubble", advice["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bundled_trainer_job_is_advised_only_data_parallel_layouts_it_can_run()
    {
        using var client = api.CreateClient();

        var advice = await SubmitAndAdviseAsync(client, BubblyPipeline("advice-bundled"));

        Assert.Equal("DataParallel", advice["scope"]!.GetValue<string>());
        var changes = advice["cheaper"]!["changes"]!.AsObject();
        // The bundled trainer runs data parallelism only: the advice takes the pipeline away and adds nothing else.
        Assert.Equal("1", changes["parallelism.pipeline"]!.GetValue<string>());
        Assert.DoesNotContain(changes, c => c.Key is "parallelism.tensor" or "parallelism.context" or "parallelism.zeroStage" or "training.activationCheckpointing");
    }

    [Fact]
    public async Task An_ended_job_is_not_offered_advice()
    {
        using var client = api.CreateClient();
        using var created = await client.PostAsync("/api/v1/jobs", new StringContent(BubblyPipeline("advice-ended").ToJson(), Encoding.UTF8, "application/json"), Ct);
        var id = JsonNode.Parse(await created.Content.ReadAsStringAsync(Ct))!["id"]!.GetValue<string>();
        (await client.DeleteAsync($"/api/v1/jobs/{id}", Ct)).EnsureSuccessStatusCode();

        var advice = (await client.GetFromJsonAsync<JsonObject>($"/api/v1/jobs/{id}/advice", Ct))!;

        Assert.False(advice["offered"]!.GetValue<bool>());
        Assert.Null(advice["cheaper"]);
        Assert.Contains("ended", advice["reason"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_job_is_404_and_a_malformed_id_400()
    {
        using var client = api.CreateClient();

        using var missing = await client.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}/advice", Ct);
        using var malformed = await client.GetAsync("/api/v1/jobs/not-a-uuid/advice", Ct);

        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }
}
