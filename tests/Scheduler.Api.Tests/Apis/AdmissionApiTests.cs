using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Scheduler.Admission;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Workloads;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>The estimate endpoint, admission on submit, budgets on queues, telemetry and calibration, over HTTP.</summary>
public sealed class AdmissionApiTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private static readonly string[] AdmissionTables = ["jobs", "job_events", "job_estimates", "budget_charges", "job_telemetry", "job_measurements", "mfu_samples"];

    public ValueTask InitializeAsync() => new(api.PutQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Estimate LibraryEstimate(JobSpec spec) => new Estimator(GpuCatalog.Default).Estimate(JobSpecNormalizer.Normalize(spec));

    private async Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string path, string json, string? jobToken = null)
    {
        using var client = jobToken is null ? api.CreateClient() : api.ClientAs(jobToken);
        using var response = await client.PostAsync(path, Json(json), Ct);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject());
    }

    private async Task<Dictionary<string, long>> RowCountsAsync()
    {
        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync(Ct);
        var counts = new Dictionary<string, long>();
        foreach (var table in AdmissionTables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            counts[table] = (long)(await count.ExecuteScalarAsync(Ct))!;
        }

        return counts;
    }

    private async Task<JobDetails> SubmitAsync(string name)
    {
        var (status, body) = await PostAsync("/api/v1/jobs", JobSpecBuilder.AJob(name).ToJson());
        Assert.Equal(HttpStatusCode.Created, status);
        return body.Deserialize<JobDetails>(JsonSerializerOptions.Web)!;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task The_estimate_endpoint_answers_the_librarys_estimate(bool withNameAndQueue)
    {
        var spec = JobSpecBuilder.AJob("priced").Build();
        if (!withNameAndQueue)
        {
            spec = spec with { Name = null, Queue = null };
        }

        var (status, body) = await PostAsync("/api/v1/estimate", JobSpecJson.Serialize(spec));

        Assert.Equal(HttpStatusCode.OK, status);
        var expected = JsonSerializer.SerializeToNode(LibraryEstimate(spec with { Name = "x", Queue = "x" }), JobSpecJson.Options);
        Assert.True(JsonNode.DeepEquals(expected, body), body.ToJsonString());
    }

    [Fact]
    public async Task The_estimate_endpoint_prices_a_job_that_does_not_fit_and_writes_nothing()
    {
        var before = await RowCountsAsync();

        var (status, body) = await PostAsync("/api/v1/estimate", AdmissionSpecs.SevenBillionOnOneGpu("calculator").ToJson());

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(body["fits"]!.GetValue<bool>());
        Assert.NotEmpty(body["suggestions"]!.AsArray());
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task Advise_true_adds_the_cheapest_and_fastest_layouts_to_the_estimate()
    {
        var spec = JobSpecBuilder.AJob("advised").Gpus(8, gpusPerNode: 8).Parallelism(p => p with { Pipeline = 4, Data = 2 })
            .Training(t => t with { GlobalBatchSize = 4 });

        var (plain, plainBody) = await PostAsync("/api/v1/estimate", spec.ToJson());
        var (status, body) = await PostAsync("/api/v1/estimate?advise=true", spec.ToJson());

        Assert.Equal(HttpStatusCode.OK, plain);
        Assert.Null(plainBody["advice"]);
        Assert.Equal(HttpStatusCode.OK, status);
        var cheapest = body["advice"]!["cheapestGpuHours"]!.AsArray();
        Assert.NotEmpty(cheapest);
        Assert.NotEmpty(body["advice"]!["fastestWallTime"]!.AsArray());
        Assert.True(cheapest[0]!["gpuHours"]!.GetValue<double>() <= body["gpuHours"]!.GetValue<double>());
        Assert.NotNull(cheapest[0]!["changes"]);
        Assert.NotNull(cheapest[0]!["memoryPerGpuGiB"]);
        Assert.Contains("bubble", body["advice"]!["summary"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_that_does_not_fit_is_refused_with_layouts_that_do()
    {
        var (status, body) = await PostAsync("/api/v1/jobs", AdmissionSpecs.SevenBillionOnOneGpu("too-big-advised").Gpus(8, gpusPerNode: 8)
            .Parallelism(p => p with { Data = 8 }).Training(t => t with { MicroBatchSize = 4, GlobalBatchSize = 64 }).ToJson());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var options = body["advice"]!["cheapestGpuHours"]!.AsArray();
        Assert.NotEmpty(options);
        Assert.All(options, o => Assert.True(o!["fits"]!.GetValue<bool>()));
    }

    [Theory]
    [InlineData("/api/v1/estimate")]
    [InlineData("/api/v1/jobs")]
    public async Task An_unknown_gpu_type_is_400_listing_the_known_ones(string path)
    {
        var (status, body) = await PostAsync(path, JobSpecBuilder.AJob("unknown-gpu").Gpus(1, "Z100").ToJson());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("H100-SXM", body["errors"]!["resources.gpuType"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/estimate")]
    [InlineData("/api/v1/jobs")]
    public async Task An_enum_given_as_a_number_is_400_naming_the_field(string path)
    {
        var spec = JsonNode.Parse(JobSpecBuilder.AJob("enum-number").ToJson())!.AsObject();
        spec["training"]!["precision"] = 1;

        var (status, body) = await PostAsync(path, spec.ToJsonString());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotNull(body["errors"]!["training.precision"]);
    }

    [Fact]
    public async Task Submission_answers_and_stores_the_estimate()
    {
        var job = await SubmitAsync("with-estimate");

        Assert.Equal(LibraryEstimate(JobSpecBuilder.AJob("with-estimate").Build() with { PriorityClass = "normal" }), job.Estimate);
        using var client = api.CreateClient();
        Assert.Equal(job, await client.GetFromJsonAsync<JobDetails>($"/api/v1/jobs/{job.Id}", JsonSerializerOptions.Web, Ct));
    }

    [Fact]
    public async Task A_job_that_does_not_fit_is_422_with_the_reason_and_suggestions_and_nothing_is_stored()
    {
        var before = await RowCountsAsync();

        var (status, body) = await PostAsync("/api/v1/jobs", AdmissionSpecs.SevenBillionOnOneGpu("does-not-fit").ToJson());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        var verdict = body["errors"]!["resources"]![0]!.GetValue<string>();
        Assert.Matches(@"^needs [\d.]+ GiB per GPU on A100-80GB; 80 GiB available; .+ brings it to [\d.]+ GiB", verdict);
        Assert.Contains(verdict, body["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(body["reason"]);
        Assert.NotEmpty(body["suggestions"]!.AsArray());
        Assert.False(body["estimate"]!["fits"]!.GetValue<bool>());
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task A_queue_shows_its_budget_used_and_remaining()
    {
        using var client = api.CreateClient();
        var put = await client.PutAsJsonAsync("/api/v1/queues/budgeted", new
        {
            nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            gpuHourBudget = new { period = "week", gpuHours = 100 },
        }, Ct);
        put.EnsureSuccessStatusCode();
        var (status, job) = await PostAsync("/api/v1/jobs", JobSpecBuilder.AJob("charged").InQueue("budgeted").ToJson());
        Assert.Equal(HttpStatusCode.Created, status);

        var queue = JsonNode.Parse(await client.GetStringAsync("/api/v1/queues/budgeted", Ct))!;

        var budget = queue["budget"]!;
        var predicted = job["estimate"]!["gpuHours"]!.GetValue<double>();
        Assert.Equal(("week", "reject"), (budget["period"]!.GetValue<string>(), budget["whenExceeded"]!.GetValue<string>()));
        Assert.Equal(predicted, budget["usedGpuHours"]!.GetValue<double>(), 9);
        Assert.Equal(100 - predicted, budget["remainingGpuHours"]!.GetValue<double>(), 9);
        Assert.Equal(DayOfWeek.Monday, budget["periodStart"]!.GetValue<DateTimeOffset>().DayOfWeek);
    }

    /// <summary>A queue whose budget per week has room for 1.5 of the builder's job, priced as submission prices it now.</summary>
    private async Task<(string Queue, JobSpecBuilder Job)> QueueWithRoomForOneAndAHalfAsync(string queue, string whenExceeded)
    {
        var job = JobSpecBuilder.AJob($"{queue}-job").InQueue(queue);
        var (_, estimate) = await PostAsync("/api/v1/estimate", job.ToJson());
        using var client = api.CreateClient();
        var put = await client.PutAsJsonAsync($"/api/v1/queues/{queue}", new
        {
            nominalQuota = new Dictionary<string, int> { ["A100-80GB"] = 8 },
            gpuHourBudget = new { period = "week", gpuHours = estimate["gpuHours"]!.GetValue<double>() * 1.5, whenExceeded },
        }, Ct);
        put.EnsureSuccessStatusCode();
        return (queue, job);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body, string? MediaType)> PostJobAsync(string json, string? idempotencyKey = null)
    {
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = Json(json) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add(SubmitJob.IdempotencyKeyField, idempotencyKey);
        }

        using var response = await client.SendAsync(request, Ct);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!.AsObject(), response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("retry-key-1")]
    public async Task Resubmitting_to_a_queue_whose_budget_the_first_submission_used_up_is_200_with_the_job_and_another_spec_409(string? idempotencyKey)
    {
        var (_, job) = await QueueWithRoomForOneAndAHalfAsync(idempotencyKey is null ? "retried" : "replayed", "reject");
        var spec = job.Build();
        var bigger = JobSpecJson.Serialize(spec with { Training = spec.Training! with { Tokens = spec.Training.Tokens * 2 } });

        var first = await PostJobAsync(JobSpecJson.Serialize(spec), idempotencyKey);
        var again = await PostJobAsync(JobSpecJson.Serialize(spec), idempotencyKey);
        var other = await PostJobAsync(bigger);

        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal(first.Body["id"]!.GetValue<Guid>(), again.Body["id"]!.GetValue<Guid>());
        Assert.Equal(HttpStatusCode.Conflict, other.Status);
        Assert.Equal("application/problem+json", other.MediaType);
        Assert.Contains("different spec", other.Body["errors"]!["name"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_needing_more_than_the_queues_whole_budget_is_422_naming_budget_even_when_the_queue_holds()
    {
        var (queue, job) = await QueueWithRoomForOneAndAHalfAsync("holds-whole", "hold");
        var before = await RowCountsAsync();

        var (status, body, mediaType) = await PostJobAsync(job.Training(t => t with { Tokens = t.Tokens * 2 }).ToJson());

        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("application/problem+json", mediaType);
        Assert.Matches($@"^needs [\d.]+ GPU-hours; queue '{queue}''s whole budget per week is [\d.]+ GPU-hours", body["errors"]!["budget"]![0]!.GetValue<string>());
        Assert.Equal(before, await RowCountsAsync());
    }

    /// <summary>Now, to the second (PostgreSQL keeps microseconds, the clock ticks in 100 ns).</summary>
    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The trainer's payload (docs/trainer.md), field for field, with nulls written as the trainer writes them.</summary>
    private static JsonObject TrainerSample(Action<JsonObject>? change = null)
    {
        var sample = JsonNode.Parse("""
            { "step": 120, "tokens": 983040, "loss": 3.41, "tokensPerSecond": 41250.0, "stepSeconds": 0.198,
              "achievedTflops": 31.2, "mfu": 0.0316, "peakMemoryGiB": 2.7, "lastCheckpointStep": 100,
              "device": "cuda", "worldSize": 1, "final": false, "exitReason": null }
            """)!.AsObject();
        sample["timestamp"] = Now(); // the server refuses timestamps far from its clock, which is the real one here
        change?.Invoke(sample);
        return sample;
    }

    [Fact]
    public async Task The_trainers_telemetry_shows_as_the_jobs_measured_progress()
    {
        var job = await SubmitAsync("reporting");
        var token = await api.StartJobAsync(job.Id);

        var (status, measured) = await PostAsync($"/api/v1/jobs/{job.Id}/telemetry", TrainerSample().ToJsonString(), token);

        Assert.Equal(HttpStatusCode.OK, status);
        using var client = api.CreateClient();
        var read = JsonNode.Parse(await client.GetStringAsync($"/api/v1/jobs/{job.Id}", Ct))!["measured"]!;
        Assert.True(JsonNode.DeepEquals(measured, read));
        Assert.Equal((120, 41250.0, 2.7, 0.0316), (read["step"]!.GetValue<long>(), read["tokensPerSecond"]!.GetValue<double>(), read["peakMemoryGiB"]!.GetValue<double>(), read["mfu"]!.GetValue<double>()));
        Assert.Equal(120 * 0.198 / 3600, read["gpuHours"]!.GetValue<double>(), 12);
    }

    [Fact]
    public async Task The_body_the_trainer_serialises_is_the_one_the_api_binds()
    {
        // Every field set, serialised as the trainer's and the simulated kubelet's sinks post it: the API's own JSON rules
        // (unknown fields rejected) must read back the same record, and the endpoint must take it.
        var sent = new TelemetrySample
        {
            Step = 120, Tokens = 491_520, Loss = 4.25, TokensPerSecond = 41_250, StepSeconds = 0.198, AchievedTflops = 31.3, Mfu = 0.0316,
            PeakMemoryGiB = 2.7, LastCheckpointStep = 100, Timestamp = TimeProvider.System.GetUtcNow(), Device = "cpu", WorldSize = 2,
            Final = true, ExitReason = TelemetrySample.PreemptedExitReason,
        };
        var body = JsonSerializer.Serialize(sent, TelemetrySample.Json);
        var rules = api.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

        Assert.Equal(sent, JsonSerializer.Deserialize<TelemetrySample>(body, rules));
        var job = await SubmitAsync("contract");
        var token = await api.StartJobAsync(job.Id);
        var (status, measured) = await PostAsync($"/api/v1/jobs/{job.Id}/telemetry", body, token);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(120, measured["step"]!.GetValue<long>());
    }

    [Fact]
    public async Task The_simulated_clusters_shorter_telemetry_is_accepted()
    {
        var job = await SubmitAsync("simulated");
        var body = $$"""{ "step": 5, "tokens": 40960, "loss": 9.1, "tokensPerSecond": 1000, "stepSeconds": 8.192, "lastCheckpointStep": null, "timestamp": "{{Now()}}" }""";

        var token = await api.StartJobAsync(job.Id);

        var (status, _) = await PostAsync($"/api/v1/jobs/{job.Id}/telemetry", body, token);

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000001", HttpStatusCode.NotFound, "id")]
    [InlineData("not-a-uuid", HttpStatusCode.BadRequest, "id")]
    public async Task Telemetry_for_no_job_names_the_id(string id, HttpStatusCode expected, string field)
    {
        // A well-signed token for that id: what is refused is the id, not the credential.
        var token = api.JobToken(Guid.TryParse(id, out var jobId) ? jobId : Guid.Empty, 1);

        var (status, body) = await PostAsync($"/api/v1/jobs/{id}/telemetry", TrainerSample().ToJsonString(), token);

        Assert.Equal(expected, status);
        Assert.NotNull(body["errors"]![field]);
    }

    /// <summary>The trainer's members as raw JSON text, so a case can send what no serializer writes (NaN).</summary>
    private static string TrainerSampleWith(string member, string? rawValue)
    {
        var members = TrainerSample().ToDictionary(m => m.Key, m => m.Value?.ToJsonString() ?? "null");
        if (rawValue is null)
        {
            members.Remove(member);
        }
        else
        {
            members[member] = rawValue;
        }

        return "{" + string.Join(",", members.Select(m => $"\"{m.Key}\":{m.Value}")) + "}";
    }

    public static TheoryData<string, string, string?> BadTelemetry => new()
    {
        { "negative step", "step", "-1" },
        { "step as text", "step", "\"ten\"" },
        { "missing step", "step", null },
        { "missing timestamp", "timestamp", null },
        { "negative throughput", "tokensPerSecond", "-5" },
        { "absurd throughput", "tokensPerSecond", "1e300" },
        { "zero step time", "stepSeconds", "0" },
        { "NaN literal", "loss", "NaN" },
        { "NaN as text", "loss", "\"NaN\"" },
        { "Infinity as text", "achievedTflops", "\"Infinity\"" },
        { "negative TFLOP/s", "achievedTflops", "-1" },
        { "MFU over 1", "mfu", "1.5" },
        { "absurd memory", "peakMemoryGiB", "1e9" },
        { "checkpoint ahead of the step", "lastCheckpointStep", "500" },
        { "timestamp in 1970", "timestamp", "\"1970-01-01T00:00:00Z\"" },
        { "timestamp in 2100", "timestamp", "\"2100-01-01T00:00:00Z\"" },
        { "device with odd characters", "device", "\"CUDA!\"" },
        { "world of no ranks", "worldSize", "0" },
        { "unknown member", "gpuTemperature", "80" },
        { "endless exit reason", "exitReason", $"\"{new string('x', 300)}\"" },
    };

    [Theory]
    [MemberData(nameof(BadTelemetry))]
    public async Task Bad_telemetry_is_4xx_naming_the_field_and_changes_nothing(string why, string field, string? rawValue)
    {
        var job = await SubmitAsync($"bad-{Guid.NewGuid():N}"[..20]);
        var before = await RowCountsAsync();

        var (status, problem) = await PostAsync($"/api/v1/jobs/{job.Id}/telemetry", TrainerSampleWith(field, rawValue), api.JobToken(job.Id, 1));

        Assert.InRange((int)status, 400, 499);
        Assert.True(problem["errors"]!.AsObject().ContainsKey(field), $"{why}: {problem.ToJsonString()}");
        Assert.Equal(before, await RowCountsAsync());
    }

    [Fact]
    public async Task The_calibration_table_starts_with_the_catalog_defaults()
    {
        using var client = api.CreateClient();

        var table = JsonNode.Parse(await client.GetStringAsync("/api/v1/calibration", Ct))!;

        Assert.Empty(table["entries"]!.AsArray());
        Assert.Equal(GpuCatalog.Default.Get("A100-80GB").DefaultMfu, table["defaultMfu"]!["A100-80GB"]!.GetValue<double>());
    }
}
