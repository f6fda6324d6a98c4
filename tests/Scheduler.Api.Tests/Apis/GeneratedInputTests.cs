using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsCheck;
using Npgsql;
using Scheduler.Testing.Fuzzing;

namespace Scheduler.Api.Tests.Apis;

/// <summary>
/// Generated bad input (tests/Scheduler.Testing/Fuzzing): whatever arrives, the answer is never a 5xx, every 4xx is
/// problem+json naming a field, an accepted spec round-trips, and the database holds exactly the accepted jobs.
/// CsCheck prints the seed and the body of a failing case; <c>CsCheck_Seed</c> replays it. <c>make fuzz</c> runs longer
/// (<c>SCHEDULER_FUZZ_ITERATIONS</c>, per endpoint).
/// </summary>
public sealed class GeneratedInputTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    private const string Queue = "fuzz";

    /// <summary>Per endpoint: 5,000 specs each to /jobs and /estimate make the 10,000 a CI run sends.</summary>
    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("SCHEDULER_FUZZ_ITERATIONS"), CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 5_000;

    private static readonly Gen<string> ContentTypes = Gen.Frequency(
        (20, Gen.Const("application/json")),
        (1, Gen.OneOf("application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16",
            "application/problem+json", "multipart/form-data; boundary=x", "application/json; charset=nope", "", "*/*")));

    public async ValueTask InitializeAsync() => await api.PutQueueAsync(Queue);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Generated_specs_never_get_a_5xx_and_the_database_holds_exactly_the_accepted_jobs()
    {
        // Other tests of the class may have stored jobs already (xunit orders them at random): compare what this one adds.
        var before = await StoredJobIdsAsync();
        var accepted = new ConcurrentDictionary<Guid, byte>();
        var tally = new ConcurrentDictionary<int, int>();
        using var client = api.CreateClient();
        var clock = Stopwatch.StartNew();

        await Gen.Select(HostileSpecs.Bodies, Gen.Bool, ContentTypes).SampleAsync(async (body, submit, contentType) =>
        {
            using var response = await SendAsync(client, HttpMethod.Post, submit ? "/api/v1/jobs" : "/api/v1/estimate", body, contentType);
            var text = await AssertWellFormedAsync(response, body);
            tally.AddOrUpdate((int)response.StatusCode, 1, (_, c) => c + 1);
            if (submit && response.StatusCode == HttpStatusCode.Created)
            {
                var job = JsonNode.Parse(text)!;
                accepted[job["id"]!.GetValue<Guid>()] = 0;
                await AssertRoundTripsAsync(client, job, body);
            }
            else if (!submit && response.StatusCode == HttpStatusCode.OK)
            {
                AssertEstimateIsFinite(text, body);
            }
        }, iter: Iterations * 2, threads: 2, print: t => $"{t.Item2} {t.Item3}: {HostileSpecs.Describe(t.Item1)}");

        TestContext.Current.SendDiagnosticMessage(
            $"{Iterations * 2} generated specs in {clock.Elapsed.TotalSeconds:F1} s: {string.Join(", ", tally.OrderBy(t => t.Key).Select(t => $"{t.Key}×{t.Value}"))}");
        Assert.Equal(accepted.Keys.Order(), (await StoredJobIdsAsync()).Except(before).Order());
        Assert.True(tally.Keys.Count(status => status is 200 or 201) > 0 && tally.Keys.Any(status => status >= 400),
            "the generator must produce both accepted and refused specs to be worth anything");
    }

    [Fact]
    public async Task Generated_queue_bodies_never_get_a_5xx()
    {
        using var client = api.CreateClient();
        var queues = Gen.Select(Gen.Int[0, 3], Gen.Int[-2, 100], Gen.OneOf("week", "day", "month", "year"), Gen.Double[0, 1e6],
            (types, quota, period, hours) => new JsonObject
            {
                ["cohort"] = "ml",
                ["nominalQuota"] = new JsonObject([.. new[] { "A100-80GB", "H100-SXM", "T4", "L4" }.Take(types + 1).Select(t => KeyValuePair.Create(t, (JsonNode?)quota))]),
                ["borrowingLimit"] = new JsonObject { ["A100-80GB"] = quota },
                ["gpuHourBudget"] = new JsonObject { ["period"] = period, ["gpuHours"] = hours, ["whenExceeded"] = "reject" },
                ["defaultPriorityClass"] = "normal",
                ["fairShareWeight"] = 1,
            });
        await Gen.Select(HostileSpecs.Mutated(queues), Gen.OneOf(Gen.Const("q-fz"), HostileSpecs.HostileStrings), ContentTypes).SampleAsync(async (body, name, contentType) =>
        {
            using var response = await SendAsync(client, HttpMethod.Put, "/api/v1/queues/" + Uri.EscapeDataString(name), body, contentType);
            await AssertWellFormedAsync(response, body);
        }, iter: Math.Max(500, Iterations / 10), threads: 2, print: t => $"{t.Item2} {t.Item3}: {HostileSpecs.Describe(t.Item1)}");
    }

    [Fact]
    public async Task Generated_telemetry_bodies_never_get_a_5xx()
    {
        using var admin = api.CreateClient();
        using var created = await SendAsync(admin, HttpMethod.Post, "/api/v1/jobs", Testing.Builders.JobSpecBuilder.AJob("fz-telemetry").InQueue(Queue).ToJson(), "application/json");
        created.EnsureSuccessStatusCode();
        var jobId = JsonNode.Parse(await created.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!["id"]!.GetValue<string>();
        // Telemetry speaks with the running attempt's own token, as the trainer does.
        using var client = api.ClientAs(await api.StartJobAsync(Guid.Parse(jobId)));
        var samples = Gen.Select(Gen.Long[0, 1000], Gen.Double[0, 10], Gen.Bool, (step, loss, final) => new JsonObject
        {
            ["step"] = step, ["tokens"] = step * 1024, ["loss"] = loss, ["tokensPerSecond"] = 1000.0, ["stepSeconds"] = 0.5,
            ["achievedTflops"] = 100.0, ["mfu"] = 0.4, ["peakMemoryGiB"] = 20.0, ["lastCheckpointStep"] = step, ["timestamp"] = "2026-12-07T00:00:00Z",
            ["device"] = "cuda", ["worldSize"] = 1, ["final"] = final, ["exitReason"] = "finished",
        });
        var ids = Gen.Frequency((6, Gen.Const(jobId)), (1, Gen.Guid.Select(g => g.ToString())), (1, HostileSpecs.HostileStrings));
        await Gen.Select(HostileSpecs.Mutated(samples), ids, ContentTypes).SampleAsync(async (body, id, contentType) =>
        {
            using var response = await SendAsync(client, HttpMethod.Post, $"/api/v1/jobs/{Uri.EscapeDataString(id)}/telemetry", body, contentType);
            await AssertWellFormedAsync(response, body);
        }, iter: Math.Max(500, Iterations / 10), threads: 2, print: t => $"{t.Item2} {t.Item3}: {HostileSpecs.Describe(t.Item1)}");
    }

    [Fact]
    public async Task Generated_query_strings_and_headers_never_get_a_5xx()
    {
        using var client = api.CreateClient();
        var paths = Gen.OneOf(
            Gen.Select(HostileSpecs.HostileStrings, HostileSpecs.HostileStrings, HostileSpecs.HostileStrings, HostileSpecs.HostileStrings,
                (queue, state, limit, cursor) => $"/api/v1/jobs?queue={Uri.EscapeDataString(queue)}&state={Uri.EscapeDataString(state)}&limit={Uri.EscapeDataString(limit)}&cursor={Uri.EscapeDataString(cursor)}"),
            HostileSpecs.EdgeIntegers.Select(limit => $"/api/v1/jobs?limit={limit}"),
            HostileSpecs.HostileStrings.Select(id => $"/api/v1/jobs/{Uri.EscapeDataString(id)}"),
            HostileSpecs.HostileStrings.Select(id => $"/api/v1/jobs/{Uri.EscapeDataString(id)}/events"),
            HostileSpecs.HostileStrings.Select(name => $"/api/v1/queues/{Uri.EscapeDataString(name)}"),
            Gen.Const("/api/v1/jobs?state=Queued&state=Running&limit=1&limit=2"));
        var headers = Gen.Select(HostileSpecs.HostileStrings, Gen.OneOf("application/json", "text/html", "*/*", "application/xml;q=0.1", ""),
            (key, accept) => (Key: key, Accept: accept));
        await Gen.Select(paths, headers, HostileSpecs.Bodies).SampleAsync(async (path, header, body) =>
        {
            path = WithoutNulInPath(path);
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.TryAddWithoutValidation("Accept", header.Accept);
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            await AssertWellFormedAsync(response, path);

            // The same spec body with a hostile idempotency key.
            using var submit = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            submit.Headers.TryAddWithoutValidation("Idempotency-Key", header.Key);
            using var submitted = await client.SendAsync(submit, TestContext.Current.CancellationToken);
            await AssertWellFormedAsync(submitted, $"Idempotency-Key {header.Key}: {body}");
        }, iter: Math.Max(500, Iterations / 10), threads: 2, print: t => $"{t.Item1} {t.Item2}: {HostileSpecs.Describe(t.Item3)}");
    }

    /// <summary>
    /// The in-process test server refuses a NUL in the path on the client side (Kestrel answers 400 before routing); one
    /// in the query string reaches the API, which must refuse it with 400 naming the parameter.
    /// </summary>
    private static string WithoutNulInPath(string path)
    {
        var query = path.IndexOf('?', StringComparison.Ordinal);
        return query < 0
            ? path.Replace("%00", string.Empty, StringComparison.Ordinal)
            : path[..query].Replace("%00", string.Empty, StringComparison.Ordinal) + path[query..];
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, string body, string contentType)
    {
        path = WithoutNulInPath(path);
        using var request = new HttpRequestMessage(method, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        if (contentType.Length > 0)
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Never a 5xx; a 4xx is problem+json whose <c>errors</c> name at least one field, except the answers about who asks
    /// rather than what was sent: 401 (with <c>WWW-Authenticate</c>), 403 naming the missing <c>permission</c>, and 429
    /// (a rate limit, saying so). Returns the body.
    /// </summary>
    private static async Task<string> AssertWellFormedAsync(HttpResponseMessage response, string sent)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var status = (int)response.StatusCode;
        if (status >= 500)
        {
            Assert.Fail($"{status} for {HostileSpecs.Describe(sent)}\n{text}");
        }

        if (status >= 400)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{status} without problem+json: {text}");
            using var problem = JsonDocument.Parse(text);
            switch (status)
            {
                case 401:
                    Assert.True(response.Headers.WwwAuthenticate.Count > 0, $"401 without WWW-Authenticate: {text}");
                    return text;
                case 403:
                    Assert.True(problem.RootElement.TryGetProperty("permission", out var permission) && permission.GetString() is { Length: > 0 }, $"403 names no permission: {text}");
                    return text;
                case 429:
                    Assert.True(problem.RootElement.TryGetProperty("detail", out var detail) && detail.GetString() is { Length: > 0 }, $"429 says nothing: {text}");
                    return text;
            }

            Assert.True(problem.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                && errors.EnumerateObject().Any() && errors.EnumerateObject().All(e => e.Name.Length > 0 && e.Value.GetArrayLength() > 0),
                $"{status} names no field: {text}");
        }

        return text;
    }

    /// <summary>The stored spec, sent again under the job's name, is the same job (200, same id): it parses, validates and compares equal.</summary>
    private static async Task AssertRoundTripsAsync(HttpClient client, JsonNode job, string sent)
    {
        var spec = job["spec"]!.ToJsonString();
        using var again = await SendAsync(client, HttpMethod.Post, "/api/v1/jobs", spec, "application/json");
        var text = await again.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(again.StatusCode == HttpStatusCode.OK && JsonNode.Parse(text)!["id"]!.GetValue<Guid>() == job["id"]!.GetValue<Guid>(),
            $"the stored spec did not round-trip ({(int)again.StatusCode} {text}) for {HostileSpecs.Describe(sent)}");
    }

    private static void AssertEstimateIsFinite(string text, string sent)
    {
        var estimate = JsonNode.Parse(text)!;
        foreach (var field in new[] { "parameters", "flopsTotal", "gpuMemoryGiB", "stepSeconds", "wallHours", "gpuHours", "mfu" })
        {
            var value = estimate[field]?.GetValue<double>();
            Assert.True(value is { } v && double.IsFinite(v) && v >= 0, $"estimate {field} = {value} for {HostileSpecs.Describe(sent)}");
        }
    }

    private async Task<List<Guid>> StoredJobIdsAsync()
    {
        await using var connection = new NpgsqlConnection(api.Database.ConnectionString);
        await connection.OpenAsync();
        await using var select = new NpgsqlCommand("SELECT id FROM jobs ORDER BY id", connection);
        await using var reader = await select.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids.Order().ToList();
    }
}
