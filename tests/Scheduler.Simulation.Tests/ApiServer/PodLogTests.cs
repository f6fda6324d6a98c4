using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Simulation.ApiServer;
using Scheduler.Simulation.Cluster;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Simulation.Tests.ApiServer;

/// <summary>
/// <c>pods/{name}/log</c> on the simulated cluster: the simulated trainer's lines (start, progress, exit), <c>tailLines</c>,
/// a container not started yet, and <c>follow</c> staying open until the container ends.
/// </summary>
public sealed class PodLogTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private SimulatedCluster _cluster = null!;
    private IKubernetes _client = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            ClockSpeed = 60, // one simulated minute per second
            TickInterval = TimeSpan.Zero, // the test ticks the kubelet itself
            TelemetryInterval = TimeSpan.FromMinutes(10),
            Server = new FakeApiServerOptions { Time = _time, ReapInterval = TimeSpan.FromHours(1) },
        }, Ct);
        _client = _cluster.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Running_pod_logs_the_trainer_start_and_one_progress_line_per_telemetry_interval()
    {
        await StartPodAsync("logged", "PT1H");
        _time.Advance(TimeSpan.FromSeconds(30)); // 30 simulated minutes: three 10-minute intervals

        var lines = await ReadAsync("logged");
        var last = await ReadAsync("logged", tailLines: 1);

        Assert.StartsWith("trainer: job job-1 rank 0", lines[0], StringComparison.Ordinal);
        Assert.Equal(4, lines.Count);
        Assert.All(lines.Skip(1), l => Assert.Matches(@"^step \d+/1000 loss \d+\.\d{4}$", l));
        Assert.Equal([lines[^1]], last);
    }

    [Fact]
    public async Task Container_not_started_answers_400_waiting_to_start()
    {
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("pending", node: _cluster.NodeNames[0]), "default", cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => ReadAsync("pending"));

        Assert.Equal(HttpStatusCode.BadRequest, error.Response.StatusCode);
        Assert.Contains("is waiting to start", error.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Follow_streams_new_lines_until_the_container_ends()
    {
        await StartPodAsync("followed", "PT1H");
        using var response = await _client.CoreV1.ReadNamespacedPodLogWithHttpMessagesAsync("followed", "default", follow: true, cancellationToken: Ct);
        using var reader = new StreamReader(response.Body);
        var first = await reader.ReadLineAsync(Ct);
        Assert.StartsWith("trainer:", first, StringComparison.Ordinal);

        var rest = reader.ReadToEndAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(61)); // past the simulated hour
        await _cluster.Kubelet.TickAsync(Ct);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!rest.IsCompleted && DateTime.UtcNow < deadline)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100)); // the follow's poll waits on the server's clock
            await Task.WhenAny(rest, Task.Delay(20, Ct));
        }

        Assert.True(rest.IsCompleted, "the follow did not end when the container did");
        var lines = (await rest).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("step ", StringComparison.Ordinal));
        Assert.StartsWith("trainer exited with code 0 (Completed)", lines[^1], StringComparison.Ordinal);
    }

    private async Task StartPodAsync(string name, string runtime)
    {
        await _client.CoreV1.CreateNamespacedPodAsync(
            Pod(name, node: _cluster.NodeNames[0], annotations: new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = runtime }), "default", cancellationToken: Ct);
        _time.Advance(TimeSpan.FromSeconds(1)); // past the 2 simulated seconds of startup
        await _cluster.Kubelet.TickAsync(Ct);
        Assert.Equal("Running", (await _client.CoreV1.ReadNamespacedPodAsync(name, "default", cancellationToken: Ct)).Status.Phase);
    }

    private async Task<List<string>> ReadAsync(string pod, int? tailLines = null)
    {
        await using var stream = await _client.CoreV1.ReadNamespacedPodLogAsync(pod, "default", tailLines: tailLines, cancellationToken: Ct);
        using var reader = new StreamReader(stream);
        return (await reader.ReadToEndAsync(Ct)).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
    }
}
