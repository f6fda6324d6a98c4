using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Scheduler.Application.Identity;

namespace Scheduler.Benchmarks.ControlPlane;

/// <summary>
/// The control plane under a crowd (issue "Faults", Load): <c>clients</c> concurrent clients for <c>seconds</c>, each looping
/// over a weighted mix of submits, lists, reads, cancels and telemetry against one control plane on 127.0.0.1 that runs
/// its operator on the simulated cluster (so jobs are placed and run and telemetry has attempts to report for). Records
/// throughput, p50/p99 per operation and the answers by status into <c>reliability.md</c>; afterwards every acknowledged
/// submission is read back (lost) and the queue listed whole (duplicated names). 429 and 503 are answers by design
/// (rate limits, caps, the database away); anything else that is not a success is an error.
/// </summary>
public static class MixedLoadBenchmark
{
    public const int DefaultClients = 1000;
    public const int DefaultSeconds = 60;

    private static readonly (string Operation, int Weight)[] Mix = [("submit", 30), ("list", 20), ("read", 25), ("cancel", 10), ("telemetry", 15)];

    public static async Task<int> RunAgainstLocalApiAsync(string connectionString, string outDir, int clients, int seconds, CancellationToken ct)
    {
        var database = new DbConnectionStringBuilder { ConnectionString = connectionString };
        database["Database"] = "scheduler_load";
        var secret = RandomNumberGenerator.GetBytes(32);
        await using var api = await LocalApi.StartAsync(database.ConnectionString, ct,
            "--Scheduler:Kubernetes:Mode=Simulated", $"--Scheduler:Auth:JobTokenSecret={Convert.ToBase64String(secret)}");
        var tokens = new JobTokens(secret, TimeSpan.FromHours(1), TimeProvider.System);
        var loadAtStart = LoadAverage();
        var result = await RunAsync(api.BaseUrl, api.AdminToken, tokens, clients, TimeSpan.FromSeconds(seconds), ct);
        var report = result.Markdown(clients, seconds, $"{loadAtStart} at the start, {LoadAverage()} at the end");
        Console.WriteLine(result.Line());
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, "reliability.md");
        var existing = File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : null;
        await File.WriteAllTextAsync(path, WithLatestRun(existing, report), ct);
        return result.Errors == 0 && result.Lost == 0 && result.Duplicated == 0 ? 0 : 1;
    }

    private static async Task<Result> RunAsync(string baseUrl, string adminToken, JobTokens tokens, int clients, TimeSpan duration, CancellationToken ct)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(100),
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminToken);
        var queue = $"load-{DateTime.UtcNow:yyyyMMddHHmmss}";
        (await http.PutAsync($"/api/v1/queues/{queue}", new StringContent("{\"nominalQuota\":{\"H100-SXM\":32,\"A100-80GB\":32}}", Encoding.UTF8, "application/json"), ct))
            .EnsureSuccessStatusCode();

        var acknowledged = new ConcurrentDictionary<string, Guid>();
        var running = new ConcurrentDictionary<Guid, int>();
        var latencies = Mix.ToDictionary(m => m.Operation, _ => new ConcurrentBag<double>());
        var answers = new ConcurrentDictionary<string, long>();
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var refresher = RefreshRunningAsync(http, queue, running, stop.Token);
        var workers = Enumerable.Range(0, clients).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            var own = new List<Guid>();
            for (var i = 0; clock.Elapsed < duration && !ct.IsCancellationRequested; i++)
            {
                var operation = Pick(random);
                var started = Stopwatch.GetTimestamp();
                string answer;
                try
                {
                    answer = await SendAsync(http, operation, client, i, queue, own, running, tokens, acknowledged, random, ct);
                }
                catch (HttpRequestException e)
                {
                    answer = $"connection: {e.HttpRequestError}";
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    answer = "timeout";
                }

                latencies[operation].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                answers.AddOrUpdate($"{operation} {answer}", 1, (_, n) => n + 1);
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        var elapsed = clock.Elapsed;
        await stop.CancelAsync();
        await refresher;

        var (lost, duplicated) = await VerifyAsync(http, queue, acknowledged, ct);
        return new Result(elapsed, latencies.ToDictionary(l => l.Key, l => l.Value.Order().ToList()), answers.ToDictionary(), acknowledged.Count, lost, duplicated);
    }

    private static string Pick(Random random)
    {
        var roll = random.Next(Mix.Sum(m => m.Weight));
        foreach (var (operation, weight) in Mix)
        {
            if ((roll -= weight) < 0)
            {
                return operation;
            }
        }

        return Mix[0].Operation;
    }

    private static async Task<string> SendAsync(
        HttpClient http, string operation, int client, int i, string queue, List<Guid> own, ConcurrentDictionary<Guid, int> running, JobTokens tokens,
        ConcurrentDictionary<string, Guid> acknowledged, Random random, CancellationToken ct)
    {
        switch (operation)
        {
            case "submit":
                var name = $"c{client}-{i}";
                using (var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/jobs") { Content = new StringContent(Spec(name, queue, random), Encoding.UTF8, "application/json") })
                {
                    // Unique per run: keys live 24 h, and a key reused with another spec (another run's queue) is a 422.
                    request.Headers.Add("Idempotency-Key", $"{queue}-{name}");
                    using var response = await http.SendAsync(request, ct);
                    if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                    {
                        var id = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("id").GetGuid();
                        acknowledged[name] = id;
                        own.Add(id);
                    }

                    return Status(response);
                }

            case "list":
                using (var response = await http.GetAsync($"/api/v1/jobs?queue={queue}&limit=50", ct))
                {
                    return Status(response);
                }

            case "read" when own.Count > 0:
                using (var response = await http.GetAsync($"/api/v1/jobs/{own[random.Next(own.Count)]}", ct))
                {
                    return Status(response);
                }

            case "cancel" when own.Count > 0:
                var victim = own[random.Next(own.Count)];
                own.Remove(victim);
                using (var response = await http.DeleteAsync($"/api/v1/jobs/{victim}", ct))
                {
                    // A job that ended already is a conflict by the API's contract: an answer, not an error.
                    return Status(response);
                }

            case "telemetry" when !running.IsEmpty:
                var (job, attempt) = running.ElementAt(random.Next(running.Count));
                using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/jobs/{job}/telemetry") { Content = new StringContent(Sample(i), Encoding.UTF8, "application/json") })
                {
                    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.Issue(job, attempt));
                    using var response = await http.SendAsync(request, ct);
                    return Status(response);
                }

            default:
                // Nothing of its own to read or cancel yet, or nothing running: a list instead, so every client keeps working.
                using (var response = await http.GetAsync($"/api/v1/jobs?queue={queue}&limit=50", ct))
                {
                    return Status(response);
                }
        }
    }

    private static string Status(HttpResponseMessage response) => ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);

    /// <summary>The jobs running now (id → attempt), which telemetry reports for; refreshed every 2 s.</summary>
    private static async Task RefreshRunningAsync(HttpClient http, string queue, ConcurrentDictionary<Guid, int> running, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var page = await http.GetFromJsonAsync<JsonElement>($"/api/v1/jobs?queue={queue}&state=Running&limit=200", ct);
                running.Clear();
                foreach (var job in page.GetProperty("items").EnumerateArray())
                {
                    running[job.GetProperty("id").GetGuid()] = job.GetProperty("attempt").GetInt32();
                }

                await Task.Delay(TimeSpan.FromSeconds(2), ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                // Overloaded: the next pass tries again.
            }
        }
    }

    /// <summary>Reads every acknowledged job back, and lists the queue whole to count names held twice.</summary>
    private static async Task<(int Lost, int Duplicated)> VerifyAsync(HttpClient http, string queue, ConcurrentDictionary<string, Guid> acknowledged, CancellationToken ct)
    {
        var lost = 0;
        await Parallel.ForEachAsync(acknowledged, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct }, async (job, token) =>
        {
            using var response = await http.GetAsync($"/api/v1/jobs/{job.Value}", token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref lost);
            }
        });

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>($"/api/v1/jobs?queue={queue}&limit=500" + (cursor is null ? string.Empty : $"&cursor={Uri.EscapeDataString(cursor)}"), ct);
            foreach (var job in page.GetProperty("items").EnumerateArray())
            {
                var name = job.GetProperty("name").GetString()!;
                names[name] = names.GetValueOrDefault(name) + 1;
            }

            cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);

        return (lost, names.Count(n => n.Value > 1));
    }

    // Small one-GPU jobs of either type; the default cluster has 64 GPUs, so some run (telemetry) and most queue.
    private static string Spec(string name, string queue, Random random) =>
        $"{{\"name\":\"{name}\",\"queue\":\"{queue}\",\"model\":{{\"layers\":12,\"hiddenSize\":768,\"heads\":12,\"vocabSize\":50257,\"seqLength\":1024}}," +
        $"\"training\":{{\"tokens\":1e9,\"globalBatchSize\":8}},\"resources\":{{\"gpuType\":\"{(random.Next(2) == 0 ? "H100-SXM" : "A100-80GB")}\",\"gpus\":1}}}}";

    private static string Sample(int step) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"step\":{step + 1},\"tokens\":{(step + 1) * 8192},\"loss\":3.2,\"tokensPerSecond\":50000,\"stepSeconds\":0.16,\"achievedTflops\":120,\"mfu\":0.38,\"peakMemoryGiB\":20,\"lastCheckpointStep\":0,\"timestamp\":\"{DateTimeOffset.UtcNow:O}\"}}");

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private const string LatestRunBegins = "<!-- latest load run: written by MixedLoadBenchmark -->";
    private const string LatestRunEnds = "<!-- end of latest load run -->";

    /// <summary>Replaces only the marked latest-run section of an existing report, keeping what is written around it.</summary>
    internal static string WithLatestRun(string? existing, string run)
    {
        var section = $"{LatestRunBegins}\n{run.TrimEnd()}\n{LatestRunEnds}";
        var begin = existing?.IndexOf(LatestRunBegins, StringComparison.Ordinal) ?? -1;
        var end = existing?.IndexOf(LatestRunEnds, StringComparison.Ordinal) ?? -1;
        return existing is null || begin < 0 || end < begin
            ? $"# Reliability: load and faults\n\n{section}\n"
            : existing[..begin] + section + existing[(end + LatestRunEnds.Length)..];
    }

    private sealed record Result(
        TimeSpan Elapsed, IReadOnlyDictionary<string, List<double>> Latencies, IReadOnlyDictionary<string, long> Answers, int Acknowledged, int Lost, int Duplicated)
    {
        /// <summary>Answers that are neither a success nor a refusal by design (429, 503) nor a cancel's 409 for a job already ended.</summary>
        public long Errors => Answers.Where(a => !IsByDesign(a.Key)).Sum(a => a.Value);

        private static bool IsByDesign(string answer) =>
            answer.Split(' ') is [var operation, var status] && (status.StartsWith('2') || status is "429" or "503" || (operation == "cancel" && status == "409"));

        public string Line() => string.Create(CultureInfo.InvariantCulture,
            $"load requests={Latencies.Values.Sum(l => l.Count)} requests/s={Latencies.Values.Sum(l => l.Count) / Elapsed.TotalSeconds:F0} errors={Errors} acknowledged={Acknowledged} lost={Lost} duplicated={Duplicated}");

        public string Markdown(int clients, int seconds, string load)
        {
            var rows = new StringBuilder();
            foreach (var (operation, latencies) in Latencies)
            {
                rows.AppendLine(CultureInfo.InvariantCulture, $"| {operation} | {latencies.Count} | {latencies.Count / Elapsed.TotalSeconds:F0} | {Percentile(latencies, 0.50):F1} | {Percentile(latencies, 0.99):F1} |");
            }

            var answers = string.Join(", ", Answers.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}: {a.Value}"));
            return string.Create(CultureInfo.InvariantCulture, $"""
                ## Load: latest run

                Written by `MixedLoadBenchmark` (`src/Scheduler.Benchmarks/ControlPlane/MixedLoadBenchmark.cs`, `make bench`) on {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC:
                {clients} concurrent clients for {seconds} s against one control plane on 127.0.0.1 (operator on, simulated cluster
                of 64 GPUs), {Environment.ProcessorCount} cores, load average {load}.

                | operation | requests | per second | p50 ms | p99 ms |
                |---|---|---|---|---|
                {rows.ToString().TrimEnd()}

                Answers (operation status: count): {answers}.

                Errors (not 2xx, not 429/503 by design, not a cancel's 409 for a job already ended): **{Errors}**. Submissions
                acknowledged: {Acknowledged}; lost (not readable afterwards): **{Lost}**; names held by two jobs: **{Duplicated}**.
                """);
        }

        private static double Percentile(List<double> sorted, double p) =>
            sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
    }
}
