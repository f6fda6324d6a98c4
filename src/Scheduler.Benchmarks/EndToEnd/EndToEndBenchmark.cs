using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using Scheduler.Benchmarks.ControlPlane;
using Scheduler.Domain.Specs;

namespace Scheduler.Benchmarks.EndToEnd;

/// <summary>Settings of one end-to-end run (the <c>e2e</c> verb's options).</summary>
internal sealed record EndToEndOptions
{
    public required string ConnectionString { get; init; }

    public int Nodes { get; init; } = 1000;

    public int Jobs { get; init; } = 10_000;

    /// <summary>Submissions per second; 0 submits the whole burst as fast as <see cref="Clients"/> clients can.</summary>
    public double Rate { get; init; }

    public int Clients { get; init; } = 16;

    /// <summary><c>one-gpu</c> or <c>mixed</c> (1, 2, 4, 8 GPUs and 2 × 8-GPU gangs).</summary>
    public string Shapes { get; init; } = "mixed";

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The burst as arrays of one-GPU tasks, one request per 10,000 of <see cref="Jobs"/>: acknowledgement no longer
    /// limits how fast pods can be bound, so pods bound per second measures the path from the stored jobs to bound pods.
    /// </summary>
    public bool Array { get; init; }

    public string OutDir { get; init; } = "docs/benchmarks";

    /// <summary>Extra control-plane settings (<c>--Key=value</c>), e.g. the operator's API QPS.</summary>
    public IReadOnlyList<string> Settings { get; init; } = [];
}

/// <summary>
/// End to end: the control plane as <c>make run</c> starts it (API, operator, simulated cluster in one process) on a throwaway
/// database, a burst or a steady stream of jobs through REST, and for each job the time from the submission's acknowledgement to
/// its pods bound and Running (seen on a watch of the simulated API server), pods bound per second, the operator's cycle split
/// by phase (from <c>/metrics</c>), and the CPU and peak memory of the control plane, PostgreSQL and this client.
/// </summary>
internal static class EndToEndBenchmark
{
    private const string Queue = "e2e";
    private const int WarmUpJobs = 20;

    public static async Task<int> RunAsync(EndToEndOptions options, CancellationToken ct)
    {
        var database = $"scheduler_e2e_{DateTime.UtcNow:yyyyMMddHHmmss}_{Environment.ProcessId}";
        var builder = new DbConnectionStringBuilder { ConnectionString = options.ConnectionString };
        builder["Database"] = database;
        var loadAtStart = LoadAverage();
        try
        {
            await using var api = await LocalApi.StartWithClusterAsync(builder.ConnectionString, ct,
                [$"--Scheduler:Kubernetes:Simulated:Nodes:H100-SXM={options.Nodes}", "--Scheduler:Kubernetes:Simulated:GpusPerNode=8", .. options.Settings]);
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = options.Clients, PooledConnectionLifetime = System.Threading.Timeout.InfiniteTimeSpan })
            {
                BaseAddress = new Uri(api.BaseUrl),
                Timeout = TimeSpan.FromMinutes(2),
            };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", api.AdminToken);
            using (var put = await http.PutAsync($"/api/v1/queues/{Queue}", Json($"{{\"nominalQuota\":{{\"H100-SXM\":{options.Nodes * 8}}}}}"), ct))
            {
                put.EnsureSuccessStatusCode();
            }

            var apiServer = await ApiServerAddressAsync(api.DataDir!, ct);
            await using var watch = new PodWatch(apiServer, null);
            watch.Start();
            var clock = Stopwatch.StartNew();

            // Warm-up: JIT, connection pools, the operator's first cycles; these jobs stay Running on a few GPUs.
            var warm = await SubmitAsync(http, options with { Jobs = WarmUpJobs, Rate = 0, Shapes = "one-gpu" }, "warm", ct);
            await WaitAsync(watch, warm, TimeSpan.FromMinutes(3), ct);
            await Task.Delay(TimeSpan.FromSeconds(2), ct); // the cycles the warm-up triggered settle

            var cpu = new CpuMeter(api.ProcessId, ProcessCpu.FindPostgres(PortOf(options.ConnectionString)));
            var metricsBefore = await CyclePhaseMetrics.ReadAsync(http, ct);
            var boundBefore = watch.BoundPods;
            cpu.Start();
            var started = Stopwatch.GetTimestamp();
            var submitted = options.Array ? await SubmitArrayAsync(http, options, ct) : await SubmitAsync(http, options, "run", ct);
            var submitSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            var finished = await WaitAsync(watch, submitted, options.Timeout, ct);
            var cpuSeconds = cpu.Stop();
            var metricsAfter = await CyclePhaseMetrics.ReadAsync(http, ct);
            var metrics = metricsAfter == CyclePhaseMetrics.Empty ? metricsAfter : metricsAfter.Minus(metricsBefore);
            var memory = PeakMemoryMiB(api.ProcessId);

            var result = Summarise(options, submitted, watch, started, submitSeconds, finished, watch.BoundPods - boundBefore) with
            {
                Cpu = cpuSeconds,
                Cycle = metrics,
                ControlPlaneMemoryMiB = memory,
                LoadAverage = $"{loadAtStart} at the start, {LoadAverage()} at the end",
            };
            Console.WriteLine(result.Line());
            await WriteReportAsync(options.OutDir, result, ct);
            return result.Failed == 0 ? 0 : 1;
        }
        finally
        {
            await DropDatabaseAsync(options.ConnectionString, database);
        }
    }

    /// <summary>One submission: the job's id, how many pods it gets, and when its acknowledgement arrived.</summary>
    internal sealed record Submitted(Guid Id, int Pods, long AckedAt);

    private static async Task<List<Submitted>> SubmitAsync(HttpClient http, EndToEndOptions options, string phase, CancellationToken ct)
    {
        var results = new Submitted?[options.Jobs];
        long errors = 0;
        using var slots = new SemaphoreSlim(options.Clients);
        var origin = Stopwatch.GetTimestamp();
        var tasks = new List<Task>(options.Jobs);
        for (var i = 0; i < options.Jobs; i++)
        {
            if (options.Rate > 0)
            {
                // A steady stream: submission i is due at i / rate seconds, whatever the earlier ones took.
                var due = TimeSpan.FromSeconds(i / options.Rate) - Stopwatch.GetElapsedTime(origin);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, ct);
                }
            }

            await slots.WaitAsync(ct);
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    var (gpus, perNode) = Shape(options.Shapes, index);
                    using var response = await http.PostAsync("/api/v1/jobs", Json(Spec($"{phase}-{index}", gpus, perNode)), ct);
                    var acked = Stopwatch.GetTimestamp();
                    if (response.StatusCode != HttpStatusCode.Created)
                    {
                        Interlocked.Increment(ref errors);
                        return;
                    }

                    using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
                    results[index] = new Submitted(body.RootElement.GetProperty("id").GetGuid(), gpus / perNode, acked);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
                finally
                {
                    slots.Release();
                }
            }, ct));
        }

        await Task.WhenAll(tasks);
        if (errors > 0)
        {
            await Console.Error.WriteLineAsync($"{errors} submissions failed");
        }

        return results.OfType<Submitted>().ToList();
    }

    /// <summary>
    /// One request per array of at most <see cref="JobSpecLimits.MaxArrayTasks"/> tasks (the scale check's 50,000 jobs are five);
    /// every task is acknowledged by its array's answer, and the listing gives the tasks' ids.
    /// </summary>
    private static async Task<List<Submitted>> SubmitArrayAsync(HttpClient http, EndToEndOptions options, CancellationToken ct)
    {
        var tasks = new List<Submitted>(options.Jobs);
        var arrays = (options.Jobs + JobSpecLimits.MaxArrayTasks - 1) / JobSpecLimits.MaxArrayTasks;
        for (var k = 0; k < arrays; k++)
        {
            var count = Math.Min(JobSpecLimits.MaxArrayTasks, options.Jobs - (k * JobSpecLimits.MaxArrayTasks));
            tasks.AddRange(await SubmitOneArrayAsync(http, arrays == 1 ? "run" : $"run-{k}", count, ct));
        }

        return tasks;
    }

    private static async Task<List<Submitted>> SubmitOneArrayAsync(HttpClient http, string name, int count, CancellationToken ct)
    {
        var spec = Spec(name, 1, 1);
        var body = spec[..^1] + string.Create(CultureInfo.InvariantCulture, $",\"array\":{{\"count\":{count}}}}}");
        Guid arrayId;
        long acked;
        using (var response = await http.PostAsync("/api/v1/jobs", Json(body), ct))
        {
            acked = Stopwatch.GetTimestamp();
            var text = await response.Content.ReadAsStringAsync(ct);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"the array submission answered {(int)response.StatusCode}: {text}");
            }

            using var task0 = JsonDocument.Parse(text);
            arrayId = task0.RootElement.GetProperty("arrayId").GetGuid();
        }

        var tasks = new List<Submitted>(count);
        for (string? cursor = null; ;)
        {
            var page = $"/api/v1/jobs?array={arrayId}&limit=500" + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor));
            using var listing = JsonDocument.Parse(await http.GetStringAsync(page, ct));
            tasks.AddRange(listing.RootElement.GetProperty("items").EnumerateArray().Select(t => new Submitted(t.GetProperty("id").GetGuid(), 1, acked)));
            if (!listing.RootElement.TryGetProperty("nextCursor", out var next) || next.ValueKind != JsonValueKind.String)
            {
                return tasks;
            }

            cursor = next.GetString();
        }
    }

    /// <summary>
    /// Waits until every job's pods are Running, the timeout passes, or nothing was bound or started for 30 s (a burst larger
    /// than the cluster leaves jobs queued for good); answers how many jobs got there.
    /// </summary>
    private static async Task<int> WaitAsync(PodWatch watch, List<Submitted> jobs, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        var lastReport = Stopwatch.GetTimestamp();
        var lastProgress = Stopwatch.GetTimestamp();
        var seen = (Bound: -1, Running: -1);
        while (true)
        {
            var running = jobs.Count(j => watch.Times(j.Id, j.Pods).Running is not null);
            if ((watch.BoundPods, running) != seen)
            {
                seen = (watch.BoundPods, running);
                lastProgress = Stopwatch.GetTimestamp();
            }

            if (running == jobs.Count || Stopwatch.GetTimestamp() > deadline || Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromSeconds(30))
            {
                return running;
            }

            if (Stopwatch.GetElapsedTime(lastReport) > TimeSpan.FromSeconds(10))
            {
                lastReport = Stopwatch.GetTimestamp();
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"  {running}/{jobs.Count} jobs running, {watch.BoundPods} pods bound, {watch.Events} watch events, load {LoadAverage()}"));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
        }
    }

    /// <summary>GPUs and GPUs per node of submission <paramref name="index"/>: one GPU each, or a fixed mix.</summary>
    internal static (int Gpus, int PerNode) Shape(string shapes, int index) => shapes switch
    {
        "one-gpu" => (1, 1),
        "mixed" => (index % 20) switch
        {
            < 12 => (1, 1),
            < 15 => (2, 2),
            < 17 => (4, 4),
            < 19 => (8, 8),
            _ => (16, 8),
        },
        _ => throw new ArgumentException($"--shapes: expected one-gpu or mixed, got '{shapes}'"),
    };

    // GPT-2 small for 1e11 tokens: days of predicted runtime, so no job ends during the run and frees its GPUs.
    private static string Spec(string name, int gpus, int perNode) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"name\":\"{name}\",\"queue\":\"{Queue}\",\"model\":{{\"layers\":12,\"hiddenSize\":768,\"heads\":12,\"vocabSize\":50257,\"seqLength\":1024}},") +
        string.Create(CultureInfo.InvariantCulture,
            $"\"training\":{{\"tokens\":1e11,\"globalBatchSize\":64}},\"parallelism\":{{\"data\":{gpus}}},\"resources\":{{\"gpuType\":\"H100-SXM\",\"gpus\":{gpus},\"gpusPerNode\":{perNode}}}}}");

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>The simulated API server's address from the kubeconfig the control plane writes when its cluster starts.</summary>
    private static async Task<Uri> ApiServerAddressAsync(string dataDir, CancellationToken ct)
    {
        var path = Path.Combine(dataDir, "kubeconfig");
        for (var waited = 0; waited < 600; waited++)
        {
            if (File.Exists(path) && (await File.ReadAllLinesAsync(path, ct)).Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("server:", StringComparison.Ordinal)) is { } line)
            {
                return new Uri(line["server:".Length..].Trim());
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
        }

        throw new TimeoutException($"The simulated cluster wrote no kubeconfig at {path} within two minutes.");
    }

    private static Result Summarise(EndToEndOptions options, List<Submitted> jobs, PodWatch watch, long started, double submitSeconds, int finished, int podsBound)
    {
        var bound = new List<double>();
        var running = new List<double>();
        var boundTimes = new List<long>();
        long lastBound = started;
        foreach (var job in jobs)
        {
            var (b, r) = watch.Times(job.Id, job.Pods);
            if (b is { } boundAt)
            {
                bound.Add(Math.Max(0, (boundAt - job.AckedAt) * 1000.0 / Stopwatch.Frequency));
                boundTimes.AddRange(Enumerable.Repeat(boundAt, job.Pods));
                lastBound = Math.Max(lastBound, boundAt);
            }

            if (r is { } runningAt)
            {
                running.Add(Math.Max(0, (runningAt - job.AckedAt) * 1000.0 / Stopwatch.Frequency));
            }
        }

        var boundWindow = (lastBound - started) / (double)Stopwatch.Frequency;
        // Sustained: the pods bound between the 10th and the 90th percentile of bind times, over that span (no ramp-up, no tail).
        boundTimes.Sort();
        var sustained = boundTimes.Count < 10 ? 0
            : 0.8 * boundTimes.Count / Math.Max(1e-9, (boundTimes[(int)(0.9 * (boundTimes.Count - 1))] - boundTimes[(int)(0.1 * (boundTimes.Count - 1))]) / (double)Stopwatch.Frequency);
        return new Result(options, jobs.Count, jobs.Sum(j => j.Pods), submitSeconds, Stats.Of(bound), Stats.Of(running),
            podsBound, boundWindow > 0 ? podsBound / boundWindow : 0, boundWindow, jobs.Count - finished) { SustainedPodsBoundPerSecond = sustained };
    }

    internal sealed record Stats(int Count, double P50, double P99, double Max)
    {
        public static Stats Of(List<double> values)
        {
            values.Sort();
            double Percentile(double p) => values.Count == 0 ? double.NaN : values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
            return new Stats(values.Count, Percentile(0.5), Percentile(0.99), values.Count == 0 ? double.NaN : values[^1]);
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"p50={P50 / 1000:F2}s p99={P99 / 1000:F2}s max={Max / 1000:F2}s");
    }

    private sealed record Result(
        EndToEndOptions Options, int Jobs, int Pods, double SubmitSeconds, Stats AckToBound, Stats AckToRunning, int PodsBound, double PodsBoundPerSecond,
        double BoundWindowSeconds, int Failed)
    {
        public CpuSeconds? Cpu { get; init; }

        public double SustainedPodsBoundPerSecond { get; init; }

        public CyclePhaseMetrics Cycle { get; init; } = CyclePhaseMetrics.Empty;

        public double? ControlPlaneMemoryMiB { get; init; }

        public string LoadAverage { get; init; } = "unknown";

        private string Mode => Options.Rate > 0 ? string.Create(CultureInfo.InvariantCulture, $"steady {Options.Rate:F0}/s") : Options.Array ? "array burst" : "burst";

        private string Phases => Cycle.PhaseSeconds.Count == 0 ? "n/a"
            : string.Join(' ', Cycle.PhaseSeconds.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}={p.Value:F1}s")));

        public string Line() => string.Create(CultureInfo.InvariantCulture,
            $"e2e mode={Mode} shapes={Options.Shapes} nodes={Options.Nodes} jobs={Jobs} pods={Pods} submitted_in={SubmitSeconds:F1}s ack_to_bound: {AckToBound} ack_to_running: {AckToRunning} " +
            $"pods_bound={PodsBound} pods_bound_per_s={PodsBoundPerSecond:F0} sustained_pods_bound_per_s={SustainedPodsBoundPerSecond:F0} not_running={Failed} cycles={Cycle.Cycles:F0} cycle_wall={Cycle.CycleSeconds:F1}s phases: {Phases} " +
            $"cpu_s: control_plane={Cpu?.Api:F1} postgres={Cpu?.Postgres:F1} client={Cpu?.Client:F1} control_plane_peak_MiB={ControlPlaneMemoryMiB:F0} load=\"{LoadAverage}\"");

        public string Markdown() => string.Create(CultureInfo.InvariantCulture, $"""
            ### {Mode}, {Options.Shapes} shapes, {Options.Nodes} nodes × 8 GPUs, {Jobs} jobs ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)

            | measure | value |
            |---|---|
            | machine | {Environment.ProcessorCount} cores, .NET {Environment.Version}; load average {LoadAverage} |
            | submissions | {Jobs} jobs ({Pods} pods) acknowledged in {SubmitSeconds:F1} s by {Options.Clients} clients |
            | acknowledged → pods bound | {AckToBound} ({AckToBound.Count} jobs) |
            | acknowledged → pods Running | {AckToRunning} ({AckToRunning.Count} jobs) |
            | pods bound per second | {PodsBoundPerSecond:F0} ({PodsBound} pods in {BoundWindowSeconds:F1} s from the first submission); sustained (10th to 90th percentile of bind times): {SustainedPodsBoundPerSecond:F0} |
            | jobs not Running at the end | {Failed} (timeout {Options.Timeout.TotalSeconds:F0} s) |
            | operator cycles | {Cycle.Cycles:F0}, {Cycle.CycleSeconds:F1} s of wall time |
            | cycle phases (wall s) | {Phases} |
            | CPU s: control plane / PostgreSQL / client | {Cpu?.Api:F1} / {Cpu?.Postgres:F1} / {Cpu?.Client:F1} |
            | control plane peak memory | {ControlPlaneMemoryMiB:F0} MiB |
            | settings | {(Options.Settings.Count == 0 ? "defaults" : string.Join(' ', Options.Settings))} |

            """);
    }

    private static async Task WriteReportAsync(string outDir, Result result, CancellationToken ct)
    {
        Directory.CreateDirectory(outDir);
        var path = Path.Combine(outDir, "end-to-end.md");
        var existing = File.Exists(path) ? await File.ReadAllTextAsync(path, ct) : Header;
        const string marker = "<!-- runs: newest first, written by EndToEndBenchmark -->";
        var at = existing.IndexOf(marker, StringComparison.Ordinal);
        var updated = at < 0 ? existing.TrimEnd() + "\n\n" + marker + "\n\n" + result.Markdown()
            : existing[..(at + marker.Length)] + "\n\n" + result.Markdown() + existing[(at + marker.Length)..].TrimStart('\n');
        await File.WriteAllTextAsync(path, updated, ct);
        await Console.Error.WriteLineAsync($"wrote {path}");
    }

    private const string Header = """
        # End-to-end scheduling benchmark

        Written by `dotnet run --project src/Scheduler.Benchmarks -c Release -- e2e --db <connection string> [--nodes 1000] [--jobs 10000]
        [--rate 0] [--shapes mixed|one-gpu] [--clients 16] [--timeout 300]` (`make bench` runs a burst and a steady stream). The control plane runs as
        `make run` starts it (API, operator and the simulated cluster in one process) on a throwaway database; the benchmark submits through
        REST and watches the simulated API server's pods. Times are from the submission's acknowledgement to the job's last pod bound
        (`spec.nodeName` set) and Running (the simulated kubelet's startup time is 2 s). Cycle phases come from
        `gpu_scheduler_cycle_phase_seconds`; CPU is user + system time of each process tree over the measured run. On a machine shared with
        other work the load average says how far the figures are from an idle machine's.
        """;

    private static async Task DropDatabaseAsync(string connectionString, string database)
    {
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException e)
        {
            await Console.Error.WriteLineAsync($"could not drop the benchmark database {database}: {e.Message}");
        }
    }

    /// <summary>Peak resident memory (VmHWM) of the process tree rooted at <paramref name="root"/>, in MiB (Linux only).</summary>
    private static double? PeakMemoryMiB(int root)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        double kib = 0;
        foreach (var pid in ProcessCpu.Snapshot(root).Keys)
        {
            try
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
                if (line is not null)
                {
                    kib += double.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // Ended meanwhile.
            }
        }

        return kib / 1024;
    }

    private static int PortOf(string connectionString)
    {
        var settings = new DbConnectionStringBuilder { ConnectionString = connectionString };
        return settings.TryGetValue("Port", out var port) ? Convert.ToInt32(port, CultureInfo.InvariantCulture) : 5432;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
