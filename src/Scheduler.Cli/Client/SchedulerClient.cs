using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Scheduler.Cli.Auth;
using Scheduler.Cli.Config;
using Scheduler.Domain.Jobs;

namespace Scheduler.Cli.Client;

/// <summary>
/// The REST API as the CLI uses it (docs/api.md). Sends the bearer token when one is configured. A refusal becomes a
/// <see cref="CliException"/> carrying the server's problem (exit 1, or 3 for 404); no answer at all exits 4.
/// </summary>
internal sealed class SchedulerClient(HttpClient http) : IDisposable
{
    public Uri Server => http.BaseAddress!;

    public static SchedulerClient Create(CliContext context, Uri server, string? token) => Create(context, server, token, null, null);

    /// <summary>
    /// With an OIDC <paramref name="session"/>, its access token is sent instead of <paramref name="token"/> and refreshed
    /// when it expires (<see cref="OidcBearerHandler"/>); each refreshed session goes to <paramref name="refreshed"/>.
    /// </summary>
    public static SchedulerClient Create(CliContext context, Uri server, string? token, OidcSession? session, Action<OidcSession>? refreshed)
    {
        ArgumentNullException.ThrowIfNull(context);
        var handler = context.Handler?.Invoke() ?? new HttpClientHandler();
        if (session is not null)
        {
            handler = new OidcBearerHandler(context, session, refreshed ?? (_ => { }), handler);
        }

        var http = new HttpClient(handler) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null && session is null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("gpusched", "1"));
        return new SchedulerClient(http);
    }

    public Task<JobView> SubmitAsync(string specJson, CancellationToken cancellationToken) =>
        SendAsync<JobView>(HttpMethod.Post, "api/v1/jobs", new StringContent(specJson, Encoding.UTF8, "application/json"), cancellationToken);

    public Task<JobView> GetJobAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<JobView>(HttpMethod.Get, $"api/v1/jobs/{id}", null, cancellationToken);

    public Task<JobView> CancelJobAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<JobView>(HttpMethod.Delete, $"api/v1/jobs/{id}", null, cancellationToken);

    /// <summary>POST /api/v1/jobs/{id}/<paramref name="control"/>: hold, release or requeue.</summary>
    public Task<JobView> ControlJobAsync(Guid id, string control, CancellationToken cancellationToken) =>
        SendAsync<JobView>(HttpMethod.Post, $"api/v1/jobs/{id}/{control}", null, cancellationToken);

    /// <summary>PATCH /api/v1/jobs/{id} with the members to change (a JSON object).</summary>
    public Task<JobView> UpdateJobAsync(Guid id, string changesJson, CancellationToken cancellationToken) =>
        SendAsync<JobView>(HttpMethod.Patch, $"api/v1/jobs/{id}", new StringContent(changesJson, Encoding.UTF8, "application/json"), cancellationToken);

    /// <summary>Cancels every task of the array that <paramref name="id"/> names (the array's id or one of its tasks').</summary>
    public Task<CancelledArrayView> CancelArrayAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<CancelledArrayView>(HttpMethod.Delete, $"api/v1/jobs/{id}/array", null, cancellationToken);

    /// <summary>Holds or releases (<paramref name="control"/>) every queued task of the array <paramref name="id"/> names.</summary>
    public Task<ArrayControlledView> ControlArrayAsync(Guid id, string control, CancellationToken cancellationToken) =>
        SendAsync<ArrayControlledView>(HttpMethod.Post, $"api/v1/jobs/{id}/array/{control}", null, cancellationToken);

    public Task<IReadOnlyList<JobEventView>> GetJobEventsAsync(Guid id, CancellationToken cancellationToken) =>
        SendAsync<IReadOnlyList<JobEventView>>(HttpMethod.Get, $"api/v1/jobs/{id}/events", null, cancellationToken);

    /// <summary>Every job in <paramref name="state"/> (all states when null), following the cursor page by page.</summary>
    public async Task<IReadOnlyList<JobView>> ListJobsAsync(string? queue, JobState? state, CancellationToken cancellationToken)
    {
        var jobs = new List<JobView>();
        string? cursor = null;
        do
        {
            var query = new List<string> { "limit=500" };
            if (queue is not null)
            {
                query.Add($"queue={Uri.EscapeDataString(queue)}");
            }

            if (state is not null)
            {
                query.Add($"state={state}");
            }

            if (cursor is not null)
            {
                query.Add($"cursor={Uri.EscapeDataString(cursor)}");
            }

            var page = await SendAsync<JobPageView>(HttpMethod.Get, "api/v1/jobs?" + string.Join('&', query), null, cancellationToken);
            jobs.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return jobs;
    }

    public Task<ClusterView> GetClusterAsync(CancellationToken cancellationToken) =>
        SendAsync<ClusterView>(HttpMethod.Get, "api/v1/dashboard/cluster", null, cancellationToken);

    public Task<QueuesBoardView> GetQueuesBoardAsync(CancellationToken cancellationToken) =>
        SendAsync<QueuesBoardView>(HttpMethod.Get, "api/v1/dashboard/queues", null, cancellationToken);

    public Task<IReadOnlyList<QueueView>> ListQueuesAsync(CancellationToken cancellationToken) =>
        SendAsync<IReadOnlyList<QueueView>>(HttpMethod.Get, "api/v1/queues", null, cancellationToken);

    /// <summary>A GET whose body is passed through as text (CSV answers).</summary>
    public async Task<string> GetTextAsync(string path, string accept, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        using var response = await SendRawAsync(request, cancellationToken);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>
    /// Copies a pod's log (GET /api/v1/jobs/{id}/logs) to <paramref name="output"/> as it arrives; with <paramref name="follow"/>
    /// until the container ends, the server's follow bound passes or the user interrupts. The timeout covers only the answer's headers.
    /// </summary>
    public async Task StreamLogAsync(Guid id, int? rank, int? attempt, bool follow, int? tailLines, TextWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        var query = new List<string>();
        void Add(string name, int? value)
        {
            if (value is { } v)
            {
                query.Add($"{name}={v.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
            }
        }

        Add("rank", rank);
        Add("attempt", attempt);
        Add("tailLines", tailLines);
        if (follow)
        {
            query.Add("follow=true");
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"api/v1/jobs/{id}/logs" + (query.Count == 0 ? string.Empty : "?" + string.Join('&', query)));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/plain"));
        using var response = await SendRawAsync(request, cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        var buffer = new char[8192];
        int read;
        while ((read = await reader.ReadAsync(buffer.AsMemory(), cancellationToken)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
    }

    public Task<T> GetAsync<T>(string path, CancellationToken cancellationToken) => SendAsync<T>(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>True when the server answers its liveness probe.</summary>
    public async Task<bool> IsAliveAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "healthz");
        using var response = await SendRawAsync(request, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await SendRawAsync(request, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(CliJson.Options, cancellationToken)
                ?? throw new CliException(ExitCodes.Refused, $"{method} /{path}: the server answered an empty body");
        }
        catch (JsonException ex)
        {
            throw new CliException(ExitCodes.Refused, $"{method} /{path}: the server's answer is not what gpusched expects ({ex.Message})");
        }
    }

    private async Task<HttpResponseMessage> SendRawAsync(
        HttpRequestMessage request, CancellationToken cancellationToken, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException(ExitCodes.Unreachable, $"cannot reach {Server}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"{Server} did not answer within {http.Timeout.TotalSeconds:0} s");
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            throw await RefusalAsync(request, response, cancellationToken);
        }
    }

    private static async Task<CliException> RefusalAsync(HttpRequestMessage request, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ProblemView? problem = null;
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            problem = body.Length > 0 ? JsonSerializer.Deserialize<ProblemView>(body, CliJson.Options) : null;
        }
        catch (JsonException)
        {
            // Not problem+json (a proxy's page, say): the status line says enough.
        }

        var text = new StringBuilder();
        text.Append(CultureInfo($"{(int)response.StatusCode} {response.ReasonPhrase}: {problem?.Title ?? request.Method + " " + request.RequestUri}"));
        if (problem?.Detail is { Length: > 0 } detail)
        {
            text.Append(CultureInfo($" {detail}"));
        }

        foreach (var (field, rules) in (problem?.Errors ?? new Dictionary<string, string[]>()).OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            foreach (var rule in rules)
            {
                text.Append(CultureInfo($"\n  {field}: {rule}"));
            }
        }

        var code = response.StatusCode switch
        {
            HttpStatusCode.NotFound => ExitCodes.NotFound,
            HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => ExitCodes.Unreachable,
            _ => ExitCodes.Refused,
        };
        return new CliException(code, text.ToString());
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);

    public void Dispose() => http.Dispose();
}
