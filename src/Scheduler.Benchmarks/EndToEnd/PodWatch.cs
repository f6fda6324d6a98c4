using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Scheduler.Benchmarks.EndToEnd;

/// <summary>
/// Watches every pod of the simulated cluster's API server (its kubeconfig's address) and records, on this process's clock,
/// when each job's pods were first seen bound (<c>spec.nodeName</c>) and Running. Only the job-id label is read.
/// </summary>
internal sealed class PodWatch : IAsyncDisposable
{
    private const string JobIdLabel = "gpu-scheduler.io/job-id";
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _boundPods = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _runningPods = new(StringComparer.Ordinal);
    private readonly Dictionary<Guid, List<string>> _podsOfJob = [];
    private Task _loop = Task.CompletedTask;

    public PodWatch(Uri apiServer, string? token)
    {
        _http = new HttpClient { BaseAddress = apiServer, Timeout = Timeout.InfiniteTimeSpan };
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>Events read so far (all types), and the last error of the watch (it reconnects after one).</summary>
    public long Events { get; private set; }

    public Exception? LastError { get; private set; }

    public void Start() => _loop = RunAsync(_stop.Token);

    /// <summary>When the last of the job's <paramref name="pods"/> pods was bound and Running (Stopwatch timestamps), when all were.</summary>
    public (long? Bound, long? Running) Times(Guid job, int pods)
    {
        lock (_gate)
        {
            if (!_podsOfJob.TryGetValue(job, out var names) || names.Count < pods)
            {
                return (null, null);
            }

            long? Last(Dictionary<string, long> times) =>
                names.All(times.ContainsKey) ? names.Max(n => times[n]) : null;

            return (Last(_boundPods), Last(_runningPods));
        }
    }

    public int BoundPods
    {
        get
        {
            lock (_gate)
            {
                return _boundPods.Count;
            }
        }
    }

    public int RunningPods
    {
        get
        {
            lock (_gate)
            {
                return _runningPods.Count;
            }
        }
    }

    private async Task RunAsync(CancellationToken ct)
    {
        string? resourceVersion = null;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var query = resourceVersion is null ? "/api/v1/pods?watch=true" : $"/api/v1/pods?watch=true&resourceVersion={resourceVersion}";
                using var response = await _http.GetAsync(query, HttpCompletionOption.ResponseHeadersRead, ct);
                response.EnsureSuccessStatusCode();
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
                while (await reader.ReadLineAsync(ct) is { } line)
                {
                    resourceVersion = Observe(line, Stopwatch.GetTimestamp()) ?? resourceVersion;
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or JsonException)
            {
                LastError = e;
                resourceVersion = null; // a fresh watch reports every pod again; first-seen times stay
                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }
        }
    }

    /// <summary>Records one watch event; answers its resourceVersion, null for a 410 (the next watch starts afresh).</summary>
    private string? Observe(string line, long now)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        Events++;
        var obj = root.GetProperty("object");
        if (root.GetProperty("type").GetString() == "ERROR")
        {
            return null;
        }

        var metadata = obj.GetProperty("metadata");
        var name = metadata.GetProperty("namespace").GetString() + "/" + metadata.GetProperty("name").GetString();
        var bound = obj.TryGetProperty("spec", out var spec) && spec.TryGetProperty("nodeName", out var node) && node.GetString() is { Length: > 0 };
        var running = obj.TryGetProperty("status", out var status) && status.TryGetProperty("phase", out var phase) && phase.GetString() == "Running";
        lock (_gate)
        {
            if (metadata.TryGetProperty("labels", out var labels) && labels.TryGetProperty(JobIdLabel, out var id) && Guid.TryParse(id.GetString(), out var job))
            {
                if (!_podsOfJob.TryGetValue(job, out var names))
                {
                    _podsOfJob[job] = names = [];
                }

                if (!names.Contains(name))
                {
                    names.Add(name);
                }
            }

            if (bound)
            {
                _boundPods.TryAdd(name, now);
            }

            if (running)
            {
                _boundPods.TryAdd(name, now);
                _runningPods.TryAdd(name, now);
            }
        }

        return metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _http.Dispose();
    }
}
