using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Scheduler.Domain.Workloads;
using Scheduler.Trainer.Telemetry;
using Scheduler.Trainer.Tests.Support;
using Scheduler.Trainer.Training;

namespace Scheduler.Trainer.Tests.Telemetry;

/// <summary>A local HTTP endpoint that records the JSON bodies it receives; it can fail the first few requests.</summary>
internal sealed class TelemetryServer : IDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _loop;
    private int _failuresLeft;

    public TelemetryServer(int failFirst = 0)
    {
        _failuresLeft = failFirst;
        (_listener, Port) = StartOnFreePort();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }

    public Uri Url => new($"http://127.0.0.1:{Port}/api/v1/jobs/job-1/telemetry");

    public List<JsonElement> Bodies { get; } = [];

    public List<string> Paths { get; } = [];

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    /// <summary>Another process may take the probed port before the listener binds it (CI runs every test project at once): probe again.</summary>
    private static (HttpListener Listener, int Port) StartOnFreePort()
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return (listener, port);
            }
            catch (HttpListenerException) when (attempt < 10)
            {
                listener.Close();
            }
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using var reader = new StreamReader(context.Request.InputStream);
            var body = await reader.ReadToEndAsync();
            if (Interlocked.Decrement(ref _failuresLeft) >= 0)
            {
                context.Response.StatusCode = 503;
            }
            else
            {
                lock (Bodies)
                {
                    Bodies.Add(JsonDocument.Parse(body).RootElement.Clone());
                    Paths.Add(context.Request.Url!.AbsolutePath);
                }

                context.Response.StatusCode = 202;
            }

            context.Response.Close();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}

/// <summary>
/// A loopback port bound but not listening, held until disposed: connections to it are refused, and no other process can
/// take it meanwhile (a port only probed free may be listened on by another test project's server a moment later).
/// </summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);

    public RefusingPort() => _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

    public int Port => ((IPEndPoint)_socket.LocalEndPoint!).Port;

    public void Dispose() => _socket.Dispose();
}

public sealed class TelemetryTests
{
    /// <summary>Dispose returns as soon as everything is delivered; the default 5 s bound could drop the last samples on a loaded CI machine.</summary>
    private static readonly TimeSpan GenerousFlush = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Every_nth_step_and_a_final_summary_reach_the_telemetry_endpoint()
    {
        using var server = new TelemetryServer();
        using var dir = new TempDirectory();
        using var http = new HttpClient();
        var plan = TinyJob.Plan(TinyJob.Spec(steps: 6, interval: 3));
        var sink = new HttpTelemetrySink(http, server.Url, TimeProvider.System, TextWriter.Null, flushTimeout: GenerousFlush);
        var (exit, _) = TinyJob.Run(plan, dir.Path, telemetry: sink, telemetryEvery: 2);
        await sink.DisposeAsync();

        Assert.Equal(TrainerExitCodes.Finished, exit);
        Assert.All(server.Paths, p => Assert.Equal("/api/v1/jobs/job-1/telemetry", p));
        Assert.Equal([2L, 4, 6, 6], server.Bodies.Select(b => b.GetProperty("step").GetInt64()));
        var final = server.Bodies[^1];
        Assert.True(final.GetProperty("final").GetBoolean());
        Assert.Equal(6 * plan.TokensPerStep, final.GetProperty("tokens").GetInt64());
        Assert.Equal(6, final.GetProperty("lastCheckpointStep").GetInt64());
        foreach (var field in new[] { "loss", "tokensPerSecond", "stepSeconds", "achievedTflops", "mfu", "peakMemoryGiB" })
        {
            Assert.True(final.GetProperty(field).GetDouble() > 0, field);
        }

        Assert.True(DateTimeOffset.TryParse(final.GetProperty("timestamp").GetString(), out _));
        Assert.Equal(2, server.Bodies[0].GetProperty("step").GetInt64());
        Assert.False(server.Bodies[0].GetProperty("final").GetBoolean());
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_until_the_sample_is_delivered()
    {
        using var server = new TelemetryServer(failFirst: 2);
        using var http = new HttpClient();
        var sink = new HttpTelemetrySink(http, server.Url, TimeProvider.System, TextWriter.Null, firstRetryDelay: TimeSpan.FromMilliseconds(10), flushTimeout: GenerousFlush);
        sink.Report(new TelemetrySample
        {
            Step = 7, Tokens = 100, Loss = 1.5, TokensPerSecond = 10, StepSeconds = 0.1, AchievedTflops = 1, Mfu = 0.01, PeakMemoryGiB = 0.5,
            Timestamp = DateTimeOffset.UnixEpoch, Device = "cpu", WorldSize = 1,
        });
        await sink.DisposeAsync();

        Assert.Equal(7, Assert.Single(server.Bodies).GetProperty("step").GetInt64());
    }

    [Fact]
    public async Task Training_finishes_when_the_control_plane_is_unreachable()
    {
        using var dir = new TempDirectory();
        using var http = new HttpClient();
        var log = new StringWriter();
        using var refusing = new RefusingPort();
        var unreachable = new Uri($"http://127.0.0.1:{refusing.Port}/api/v1/jobs/job-1/telemetry");
        var sink = new HttpTelemetrySink(http, unreachable, TimeProvider.System, log, capacity: 2,
            firstRetryDelay: TimeSpan.FromMilliseconds(10), flushTimeout: TimeSpan.FromMilliseconds(200));
        var plan = TinyJob.Plan(TinyJob.Spec(steps: 5, interval: 100));

        var (exit, steps) = TinyJob.Run(plan, dir.Path, telemetry: sink);
        for (var wait = 0; wait < 100 && !log.ToString().Contains("unreachable"); wait++)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var flush = System.Diagnostics.Stopwatch.StartNew();
        await sink.DisposeAsync();

        Assert.Equal(TrainerExitCodes.Finished, exit);
        Assert.Equal(5, steps.Count);
        Assert.True(flush.Elapsed < TimeSpan.FromSeconds(20), $"flush took {flush.Elapsed}"); // a flush that waited on the retrying pump would hang; wide for a loaded CI machine
        Assert.Contains("unreachable", log.ToString());
    }
}
