using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace Scheduler.Benchmarks.ControlPlane;

/// <summary>
/// Control-plane throughput (benchmark 3 of docs/architecture.md): <paramref name="clients"/> concurrent clients post distinct jobs to a
/// running API for <paramref name="duration"/>; reports submits/s, p50/p99 latency and errors, and writes
/// <c>control-plane.md</c> into <paramref name="outDir"/>. Target on 2 cores: ≥ 2,000 submits/s, p99 &lt; 50 ms, zero errors.
/// </summary>
public static class SubmitBenchmark
{
    public const int DefaultClients = 64;
    public const int DefaultSeconds = 30;
    public const int DefaultWarmUpSeconds = 3;

    /// <summary>The database the benchmark writes to, on the server it is given (created by the API's <c>migrate</c>).</summary>
    public const string BenchmarkDatabase = "scheduler_bench";

    /// <summary>
    /// What <c>make bench</c> runs: starts the API on the server of <paramref name="connectionString"/>, 64 clients for 30 s,
    /// and measures the CPU time the API, the PostgreSQL server and this client spent per submit. The jobs go to a database
    /// of their own (<see cref="BenchmarkDatabase"/>): in <c>make run</c>'s database its operator would try to run them all.
    /// </summary>
    public static async Task<int> RunAgainstLocalApiAsync(
        string connectionString, string outDir, CancellationToken ct, int clients = DefaultClients, int seconds = DefaultSeconds, int warmUpSeconds = DefaultWarmUpSeconds)
    {
        var benchmarkDatabase = new DbConnectionStringBuilder { ConnectionString = connectionString };
        benchmarkDatabase["Database"] = BenchmarkDatabase;
        await using var api = await LocalApi.StartAsync(benchmarkDatabase.ConnectionString, ct);
        var cpu = new CpuMeter(api.ProcessId, ProcessCpu.FindPostgres(PortOf(connectionString)));
        return await RunAsync(api.BaseUrl, outDir, TimeSpan.FromSeconds(seconds), clients, ct, cpu, TimeSpan.FromSeconds(warmUpSeconds), api.AdminToken);
    }

    public static async Task<int> RunAsync(
        string baseUrl, string outDir, TimeSpan duration, int clients, CancellationToken ct, CpuMeter? cpu = null, TimeSpan? warmUp = null, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(baseUrl),
        };
        // Every submit is authenticated, as in production: the API looks the token up on each request.
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        var queue = $"bench-{DateTime.UtcNow:yyyyMMddHHmmss}";
        using (var put = await http.PutAsync($"/api/v1/queues/{queue}", Json("{\"nominalQuota\":{\"H100-SXM\":64}}"), ct))
        {
            put.EnsureSuccessStatusCode();
        }

        // Warm-up: JIT, connection pools, the database's caches.
        var loadAtStart = LoadAverage();
        // On a busy machine the JIT's tier-1 compilations may still run after 3 s: a longer warm-up keeps them out of the CPU figures.
        var warmUpTime = warmUp ?? TimeSpan.FromSeconds(DefaultWarmUpSeconds);
        await RunClientsAsync(http, queue, "warm", warmUpTime, clients, ct);
        cpu?.Start();
        var (latencies, errors, elapsed) = await RunClientsAsync(http, queue, "run", duration, clients, ct);
        var cpuSeconds = cpu?.Stop();

        var result = Summarise(latencies, errors, elapsed, clients) with { LoadAverage = $"{loadAtStart} at the start, {LoadAverage()} at the end", Cpu = cpuSeconds, WarmUp = warmUpTime };
        Console.WriteLine(result.Line());
        Directory.CreateDirectory(outDir);
        var report = Path.Combine(outDir, "control-plane.md");
        var existing = File.Exists(report) ? await File.ReadAllTextAsync(report, ct) : null;
        await File.WriteAllTextAsync(report, WithLatestRun(existing, result.Markdown(baseUrl, duration)), ct);
        return errors == 0 ? 0 : 1;
    }

    private static async Task<(List<double> Latencies, long Errors, TimeSpan Elapsed)> RunClientsAsync(
        HttpClient http, string queue, string phase, TimeSpan duration, int clients, CancellationToken ct)
    {
        long errors = 0;
        var perClient = new List<double>[clients];
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var latencies = perClient[client] = new List<double>(capacity: 4096);
            for (var i = 0; clock.Elapsed < duration && !ct.IsCancellationRequested; i++)
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await http.PostAsync("/api/v1/jobs", Json(Spec($"{phase}-{client}-{i}", queue)), ct);
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref errors);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        return (perClient.SelectMany(l => l).ToList(), errors, clock.Elapsed);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private const string SpecBody =
        "\"model\":{\"layers\":12,\"hiddenSize\":768,\"heads\":12,\"vocabSize\":50257,\"seqLength\":1024}," +
        "\"training\":{\"tokens\":1e9,\"globalBatchSize\":8},\"resources\":{\"gpuType\":\"H100-SXM\",\"gpus\":1}}";

    private static string Spec(string name, string queue) => $"{{\"name\":\"{name}\",\"queue\":\"{queue}\"," + SpecBody;

    private static Summary Summarise(List<double> latencies, long errors, TimeSpan elapsed, int clients)
    {
        latencies.Sort();
        double Percentile(double p) => latencies.Count == 0 ? double.NaN : latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(p * latencies.Count) - 1)];
        return new Summary(latencies.Count, errors, elapsed, clients, latencies.Count / elapsed.TotalSeconds, Percentile(0.50), Percentile(0.99));
    }

    // Other work on the machine skews the numbers; the 1/5/15-minute load average says how much there was.
    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private const string LatestRunBegins = "<!-- latest submit run: written by SubmitBenchmark -->";
    private const string LatestRunEnds = "<!-- end of latest submit run -->";

    /// <summary>Replaces only the marked latest-run section of an existing report, keeping the history written around it.</summary>
    internal static string WithLatestRun(string? existing, string run)
    {
        var section = $"{LatestRunBegins}\n{run.TrimEnd()}\n{LatestRunEnds}";
        var begin = existing?.IndexOf(LatestRunBegins, StringComparison.Ordinal) ?? -1;
        var end = existing?.IndexOf(LatestRunEnds, StringComparison.Ordinal) ?? -1;
        return existing is null || begin < 0 || end < begin
            ? $"# Control-plane submit benchmark\n\n{section}\n"
            : existing[..begin] + section + existing[(end + LatestRunEnds.Length)..];
    }

    private static int PortOf(string connectionString)
    {
        var settings = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return settings.TryGetValue("Port", out var port) ? Convert.ToInt32(port, CultureInfo.InvariantCulture) : 5432;
    }

    private sealed record Summary(int Requests, long Errors, TimeSpan Elapsed, int Clients, double PerSecond, double P50, double P99)
    {
        public string LoadAverage { get; init; } = "unknown";

        public CpuSeconds? Cpu { get; init; }

        public TimeSpan WarmUp { get; init; }

        public string Line() => string.Create(CultureInfo.InvariantCulture,
            $"submit clients={Clients} requests={Requests} submits/s={PerSecond:F0} p50_ms={P50:F1} p99_ms={P99:F1} errors={Errors}") + CpuLine();

        // Microseconds of CPU per submit: what 2 cores must fit 2,000 of in a second (1,000 µs in all).
        private string CpuLine() => Cpu is not { } cpu ? string.Empty : string.Create(CultureInfo.InvariantCulture,
            $" cpu_us_per_submit: api={PerSubmit(cpu.Api)} postgres={PerSubmit(cpu.Postgres)} client={PerSubmit(cpu.Client)} total={PerSubmit(cpu.Total)}");

        private string PerSubmit(double? seconds) =>
            seconds is { } s && Requests > 0 ? (s * 1e6 / Requests).ToString("F0", CultureInfo.InvariantCulture) : "n/a";

        private string CpuRow() => Cpu is null ? string.Empty : $"""

            | CPU per submit (µs): API / PostgreSQL / client / total | {PerSubmit(Cpu.Api)} / {PerSubmit(Cpu.Postgres)} / {PerSubmit(Cpu.Client)} / {PerSubmit(Cpu.Total)} |
            """;

        public string Markdown(string baseUrl, TimeSpan duration) => string.Create(CultureInfo.InvariantCulture, $"""
            ## Latest run

            Written by `SubmitBenchmark` (`src/Scheduler.Benchmarks/ControlPlane/SubmitBenchmark.cs`) on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC.

            | measure | value |
            |---|---|
            | machine | {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; load average {LoadAverage} |
            | API | {baseUrl} |
            | clients | {Clients} concurrent, each posting distinct jobs |
            | duration | {duration.TotalSeconds:F0} s (after a {WarmUp.TotalSeconds:F0} s warm-up) |
            | submits | {Requests} |
            | submits/s | {PerSecond:F0} |
            | p50 latency | {P50:F1} ms |
            | p99 latency | {P99:F1} ms |
            | errors | {Errors} |{CpuRow()}

            Target on 2 cores: at least 2,000 submits/s, p99 under 50 ms, zero errors. The clients, the API and PostgreSQL
            (default durability: fsync and synchronous commit on) share the machine. Each submit is one HTTP request:
            validate, look up the queue (cached), insert the job and its event together with the concurrent submissions
            in one statement (group commit), answer after the commit. CPU per submit: user + system time of the API's and
            PostgreSQL's process trees and of the client over the measured run, divided by the submits.
            """);
    }
}
