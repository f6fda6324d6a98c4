using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Scheduler.Testing.Builders;

namespace Scheduler.Api.Tests.Apis;

/// <summary>Every malformed request gets a 4xx problem+json answer naming the field, and changes nothing.</summary>
public sealed class BadInputTests(ApiFactory api) : IClassFixture<ApiFactory>, IAsyncLifetime
{
    public ValueTask InitializeAsync() => new(api.PutQueueAsync("research"));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public sealed record BadRequest(string Why, string Method, string Path, string? Body, HttpStatusCode Status, string Field, string ContentType = "application/json", string? IdempotencyKey = null)
    {
        public override string ToString() => Why;
    }

    private static string Job(Action<JsonObject> change)
    {
        var spec = JsonNode.Parse(JobSpecBuilder.AJob("bad-input").ToJson())!.AsObject();
        change(spec);
        return spec.ToJsonString();
    }

    /// <summary>67108864 × 64 = 2^32: multiplied as int it was 0, and the modulo that followed threw (a 500).</summary>
    private static string Overflowing() => Job(s =>
    {
        Section(s, "resources")["gpus"] = 64;
        Section(s, "resources")["gpusPerNode"] = 8;
        s["parallelism"] = new JsonObject { ["data"] = 64 };
        Section(s, "training")["globalBatchSize"] = 67_108_864;
        Section(s, "training")["microBatchSize"] = 67_108_864;
    });

    private static JsonObject Section(JsonObject spec, string name) => (spec[name] ??= new JsonObject()).AsObject();

    private const string Jobs = "/api/v1/jobs";
    private const HttpStatusCode Bad = HttpStatusCode.BadRequest;

    public static TheoryData<BadRequest> Cases => new()
    {
        new BadRequest("truncated JSON", "POST", Jobs, "{\"name\": \"x\", \"queue\":", Bad, "queue"),
        new BadRequest("not JSON at all", "POST", Jobs, "hello", Bad, "$"),
        new BadRequest("empty body", "POST", Jobs, "", Bad, "body"),
        new BadRequest("JSON null", "POST", Jobs, "null", Bad, "body"),
        new BadRequest("an array, not an object", "POST", Jobs, "[]", Bad, "$"),
        new BadRequest("trailing comma", "POST", Jobs, Job(_ => { }).TrimEnd('}') + ",}", Bad, "resources"),
        new BadRequest("unknown top-level field", "POST", Jobs, Job(s => s["colour"] = "blue"), Bad, "colour"),
        new BadRequest("unknown nested field", "POST", Jobs, Job(s => Section(s, "model")["depth"] = 3), Bad, "model.depth"),
        new BadRequest("GPUs as a string", "POST", Jobs, Job(s => Section(s, "resources")["gpus"] = "two"), Bad, "resources.gpus"),
        new BadRequest("GPUs as a fraction", "POST", Jobs, Job(s => Section(s, "resources")["gpus"] = 1.5), Bad, "resources.gpus"),
        new BadRequest("GPUs overflow int", "POST", Jobs, Job(s => Section(s, "resources")["gpus"] = 1e30), Bad, "resources.gpus"),
        new BadRequest("zero GPUs", "POST", Jobs, Job(s => Section(s, "resources")["gpus"] = 0), Bad, "resources.gpus"),
        new BadRequest("negative GPUs", "POST", Jobs, Job(s => Section(s, "resources")["gpus"] = -8), Bad, "resources.gpus"),
        new BadRequest("NaN tokens as a string", "POST", Jobs, Job(s => Section(s, "training")["tokens"] = "NaN"), Bad, "training.tokens"),
        new BadRequest("Infinity tokens as a string", "POST", Jobs, Job(s => Section(s, "training")["tokens"] = "Infinity"), Bad, "training.tokens"),
        new BadRequest("absurd token count", "POST", Jobs, Job(s => Section(s, "training")["tokens"] = 1e30), Bad, "training.tokens"),
        new BadRequest("unknown enum value", "POST", Jobs, Job(s => Section(s, "training")["precision"] = "fp64"), Bad, "training.precision"),
        new BadRequest("enum as a number", "POST", Jobs, Job(s => Section(s, "training")["optimizer"] = 2), Bad, "training.optimizer"),
        new BadRequest("unknown GPU type", "POST", Jobs, Job(s => Section(s, "resources")["gpuType"] = "RTX-9090"), Bad, "resources.gpuType"),
        new BadRequest("name not a DNS label", "POST", Jobs, Job(s => s["name"] = "My_Job"), Bad, "name"),
        new BadRequest("name too long", "POST", Jobs, Job(s => s["name"] = new string('a', 64)), Bad, "name"),
        new BadRequest("missing name", "POST", Jobs, Job(s => s.Remove("name")), Bad, "name"),
        new BadRequest("missing model", "POST", Jobs, Job(s => s.Remove("model")), Bad, "model"),
        new BadRequest("missing resources", "POST", Jobs, Job(s => s.Remove("resources")), Bad, "resources"),
        new BadRequest("heads do not divide hidden size", "POST", Jobs, Job(s => Section(s, "model")["heads"] = 7), Bad, "model.hiddenSize"),
        new BadRequest("parallel degrees do not multiply to GPUs", "POST", Jobs, Job(s => s["parallelism"] = new JsonObject { ["data"] = 3 }), Bad, "parallelism"),
        new BadRequest("unknown priority class", "POST", Jobs, Job(s => s["priorityClass"] = "urgent"), Bad, "priorityClass"),
        new BadRequest("unknown queue", "POST", Jobs, Job(s => s["queue"] = "nobody"), Bad, "queue"),
        new BadRequest("bad maxRuntime", "POST", Jobs, Job(s => s["maxRuntime"] = "twelve hours"), Bad, "maxRuntime"),
        new BadRequest("idempotency key with spaces", "POST", Jobs, Job(_ => { }), Bad, "Idempotency-Key", IdempotencyKey: "not a key"),
        new BadRequest("wrong content type", "POST", Jobs, Job(_ => { }), HttpStatusCode.UnsupportedMediaType, "Content-Type", ContentType: "text/plain"),
        new BadRequest("body over the size limit", "POST", Jobs, Job(s => s["name"] = new string('a', 2 * 1024 * 1024)), HttpStatusCode.RequestEntityTooLarge, "body"),
        new BadRequest("job id not a UUID", "GET", $"{Jobs}/42", null, Bad, "id"),
        new BadRequest("cancel with an id that is not a UUID", "DELETE", $"{Jobs}/nope", null, Bad, "id"),
        new BadRequest("unknown job", "GET", $"{Jobs}/{Guid.Empty}", null, HttpStatusCode.NotFound, "id"),
        new BadRequest("list with an unknown state", "GET", $"{Jobs}?state=Sleeping", null, Bad, "state"),
        new BadRequest("list with a numeric state", "GET", $"{Jobs}?state=3", null, Bad, "state"),
        new BadRequest("list with a non-numeric limit", "GET", $"{Jobs}?limit=ten", null, Bad, "limit"),
        new BadRequest("list with a limit too large", "GET", $"{Jobs}?limit=100000", null, Bad, "limit"),
        new BadRequest("list with a forged cursor", "GET", $"{Jobs}?cursor=abc", null, Bad, "cursor"),
        new BadRequest("queue with a negative quota", "PUT", "/api/v1/queues/q1", "{\"nominalQuota\":{\"A100-80GB\":-1}}", Bad, "nominalQuota.A100-80GB"),
        new BadRequest("queue with an unknown GPU type", "PUT", "/api/v1/queues/q1", "{\"nominalQuota\":{\"TPU\":4}}", Bad, "nominalQuota.TPU"),
        new BadRequest("queue without nominal quota", "PUT", "/api/v1/queues/q1", "{\"cohort\":\"ml\"}", Bad, "nominalQuota"),
        new BadRequest("queue name not a DNS label", "PUT", "/api/v1/queues/Team_A", "{\"nominalQuota\":{\"A100-80GB\":1}}", Bad, "name"),
        new BadRequest("queue with an unknown field", "PUT", "/api/v1/queues/q1", "{\"nominalQuota\":{\"A100-80GB\":1},\"quota\":3}", Bad, "quota"),
        new BadRequest("queue quota as a string", "PUT", "/api/v1/queues/q1", "{\"nominalQuota\":{\"A100-80GB\":\"lots\"}}", Bad, "nominalQuota.A100-80GB"),
        new BadRequest("queue admitting a namespace that is not a DNS label", "PUT", "/api/v1/queues/q1",
            "{\"nominalQuota\":{\"A100-80GB\":1},\"namespaces\":[\"Team_A\"]}", Bad, "namespaces[0]"),
        new BadRequest("queue selector In without values", "PUT", "/api/v1/queues/q1",
            "{\"nominalQuota\":{\"A100-80GB\":1},\"namespaceSelector\":{\"matchExpressions\":[{\"key\":\"team\",\"operator\":\"In\"}]}}", Bad,
            "namespaceSelector.matchExpressions[0].values"),
        new BadRequest("queue selector with an unknown operator", "PUT", "/api/v1/queues/q1",
            "{\"nominalQuota\":{\"A100-80GB\":1},\"namespaceSelector\":{\"matchExpressions\":[{\"key\":\"team\",\"operator\":\"Equals\",\"values\":[\"x\"]}]}}", Bad,
            "namespaceSelector.matchExpressions[0].operator"),
        new BadRequest("unknown queue", "GET", "/api/v1/queues/nobody", null, HttpStatusCode.NotFound, "name"),
        new BadRequest("micro-batch × data past 32 bits", "POST", Jobs, Overflowing(), Bad, "training.globalBatchSize"),
        new BadRequest("micro-batch × data past 32 bits, estimated", "POST", "/api/v1/estimate", Overflowing(), Bad, "training.globalBatchSize"),
        new BadRequest("method not allowed", "PATCH", Jobs, "{}", HttpStatusCode.MethodNotAllowed, "method"),
        // PostgreSQL cannot store U+0000 in text or jsonb: refused at the door, wherever in the request it is.
        new BadRequest("NUL in the job's name", "POST", Jobs, Job(s => s["name"] = "a\u0000b"), Bad, "name"),
        new BadRequest("NUL in an environment variable's name", "POST", Jobs,
            Job(s => s["container"] = new JsonObject { ["image"] = "busybox", ["env"] = new JsonObject { ["A\u0000B"] = "1" } }), Bad, "container.env"),
        new BadRequest("NUL in a queue's cohort", "PUT", "/api/v1/queues/q1", "{\"nominalQuota\":{\"A100-80GB\":1},\"cohort\":\"m\\u0000l\"}", Bad, "cohort"),
        new BadRequest("NUL in a query parameter", "GET", $"{Jobs}?queue=a%00b", null, Bad, "queue"),
        // Dates at the ends of the calendar: the default window before `to` ran past year 1 (a 500).
        new BadRequest("accounting up to year 1", "GET", "/api/v1/accounting/jobs?to=0001-01-01", null, Bad, "to"),
        new BadRequest("usage up to year 1", "GET", "/api/v1/accounting/usage?to=0001-01-20", null, Bad, "to"),
        new BadRequest("accounting from the far future", "GET", "/api/v1/accounting/jobs?from=9999-12-31T23:59:59Z", null, Bad, "from"),
        new BadRequest("usage from the far future", "GET", "/api/v1/accounting/usage?from=9999-12-31T23:59:59Z", null, Bad, "from"),
        new BadRequest("accounting offset at the end of int", "GET", "/api/v1/accounting/jobs?offset=2147483647", null, Bad, "offset"),
        // Enum.TryParse ORs comma-separated names and trims blanks: these were a silently different filter, not a 400.
        new BadRequest("list with two states joined by a comma", "GET", $"{Jobs}?state=Queued,Running", null, Bad, "state"),
        new BadRequest("list with a state given twice", "GET", $"{Jobs}?state=Queued&state=Running", null, Bad, "state"),
        new BadRequest("list with a blank-padded numeric state", "GET", $"{Jobs}?state=%203", null, Bad, "state"),
        new BadRequest("accounting with two states joined by a comma", "GET", "/api/v1/accounting/jobs?state=Succeeded,Failed", null, Bad, "state"),
        new BadRequest("accounting with a signed numeric state", "GET", "/api/v1/accounting/jobs?state=%2B3", null, Bad, "state"),
        new BadRequest("usage by two groupings", "GET", "/api/v1/accounting/usage?by=queue,user", null, Bad, "by"),
        new BadRequest("usage with a blank-padded numeric period", "GET", "/api/v1/accounting/usage?period=%201", null, Bad, "period"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Is_refused_with_problem_json_naming_the_field_and_changes_nothing(BadRequest bad)
    {
        var before = await api.RowCountsAsync();
        using var client = api.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(bad.Method), bad.Path);
        if (bad.Body is not null)
        {
            request.Content = new StringContent(bad.Body, Encoding.UTF8, bad.ContentType);
        }

        if (bad.IdempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", bad.IdempotencyKey);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.True(bad.Status == response.StatusCode, $"{bad.Why}: expected {bad.Status}, got {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(body);
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(bad.Field, out _), $"{bad.Why}: errors name {errors} rather than '{bad.Field}'");
        Assert.Equal(before, await api.RowCountsAsync());
    }
}
