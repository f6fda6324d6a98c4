using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Workloads;
using Scheduler.Simulation.ApiServer;
using Scheduler.Simulation.Cluster;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Simulation.Tests.Cluster;

public sealed class SimulatedClusterTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly RecordingSink _telemetry = new();
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
            Telemetry = _telemetry,
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
    public async Task The_default_cluster_has_four_h100_and_four_a100_nodes_with_eight_gpus_each()
    {
        var nodes = (await _client.CoreV1.ListNodeAsync(cancellationToken: Ct)).Items;

        var byType = nodes.GroupBy(n => GpuCatalog.Default.FindByProductLabel(n.Metadata.Labels[SimulatedCluster.GpuProductLabel])!.Name)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(new Dictionary<string, int> { ["H100-SXM"] = 4, ["A100-80GB"] = 4 }, byType);
        Assert.All(nodes, n => Assert.Equal("8", n.Status.Allocatable[SimulatedCluster.GpuResource].ToString()));
        Assert.All(nodes, n => Assert.Contains(n.Status.Conditions, c => c.Type == "Ready" && c.Status == "True"));
        Assert.Equal(2, nodes.Select(n => n.Metadata.Labels[SimulatedCluster.RackLabel]).Distinct().Count(r => r.StartsWith("sim-h100", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Nodes_are_labelled_with_racks_of_two_nodes_in_blocks_of_two_racks()
    {
        var nodes = (await _client.CoreV1.ListNodeAsync(cancellationToken: Ct)).Items.ToDictionary(n => n.Metadata.Name);

        Assert.Equal(("sim-h100-sxm-rack-1", "sim-h100-sxm-block-0"),
            (nodes["sim-h100-sxm-3"].Metadata.Labels[SimulatedCluster.RackLabel], nodes["sim-h100-sxm-3"].Metadata.Labels[SimulatedCluster.BlockLabel]));
        Assert.Equal("sim-a100-80gb-block-0", nodes["sim-a100-80gb-0"].Metadata.Labels[SimulatedCluster.BlockLabel]);
    }

    [Fact]
    public async Task A_bound_pod_runs_for_its_runtime_scaled_by_the_clock_speed_then_succeeds()
    {
        var node = _cluster.NodeNames[0];
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("job-0-0", annotations: new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = "PT1H" }), "default", cancellationToken: Ct);
        await _client.CoreV1.CreateNamespacedPodBindingAsync(new V1Binding { Metadata = new V1ObjectMeta { Name = "job-0-0" }, Target = new V1ObjectReference { Kind = "Node", Name = node } }, "job-0-0", "default", cancellationToken: Ct);

        var phases = new List<string>();
        async Task Step(TimeSpan advance)
        {
            _time.Advance(advance);
            await _cluster.Kubelet.TickAsync(Ct);
            phases.Add((await _client.CoreV1.ReadNamespacedPodAsync("job-0-0", "default", cancellationToken: Ct)).Status.Phase);
        }

        await Step(TimeSpan.Zero);               // startup takes 2 simulated seconds
        await Step(TimeSpan.FromSeconds(1));     // 60 simulated seconds later: running
        await Step(TimeSpan.FromSeconds(58));    // 59 simulated minutes in: still running
        await Step(TimeSpan.FromSeconds(2));     // past one simulated hour: done
        var pod = await _client.CoreV1.ReadNamespacedPodAsync("job-0-0", "default", cancellationToken: Ct);

        Assert.Equal(["Pending", "Running", "Running", "Succeeded"], phases);
        Assert.Equal(0, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode);
        Assert.NotEmpty(_telemetry.Samples);
        Assert.Equal("job-1", _telemetry.Samples.First().JobId);
    }

    [Fact]
    public async Task A_running_pod_whose_runtime_is_changed_ends_at_the_new_runtime_not_the_one_read_before()
    {
        // The kubelet parses each stored version of a pod once; a patched pod is a new version and is read again.
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("patched", node: _cluster.NodeNames[0], annotations: new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = "PT10H" }), "default", cancellationToken: Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _cluster.Kubelet.TickAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(30)); // 30 simulated minutes into a ten-hour run
        await _cluster.Kubelet.TickAsync(Ct);
        Assert.Equal("Running", (await _client.CoreV1.ReadNamespacedPodAsync("patched", "default", cancellationToken: Ct)).Status.Phase);

        var patch = new V1Patch(new V1Pod { Metadata = new V1ObjectMeta { Annotations = new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = "PT20M" } } }, V1Patch.PatchType.MergePatch);
        await _client.CoreV1.PatchNamespacedPodAsync(patch, "patched", "default", cancellationToken: Ct);
        await _cluster.Kubelet.TickAsync(Ct);

        Assert.Equal("Succeeded", (await _client.CoreV1.ReadNamespacedPodAsync("patched", "default", cancellationToken: Ct)).Status.Phase);
    }

    [Fact]
    public async Task A_pod_deleted_gracefully_checkpoints_exits_75_and_is_removed()
    {
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("victim", node: _cluster.NodeNames[1], annotations: new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = "PT2H" }), "default", cancellationToken: Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _cluster.Kubelet.TickAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(20)); // 20 simulated minutes into a two-hour run
        await _cluster.Kubelet.TickAsync(Ct);

        // The server ends the watch after its (real-time) timeout; 3 s, so that a loaded machine still replays the history within it.
        var watch = _client.CoreV1.WatchListNamespacedPodAsync("default", resourceVersion: _cluster.ApiServer.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), timeoutSeconds: 3, cancellationToken: Ct);
        await _client.CoreV1.DeleteNamespacedPodAsync("victim", "default", gracePeriodSeconds: 30, cancellationToken: Ct);
        _time.Advance(TimeSpan.FromMilliseconds(100)); // checkpointing takes 5 simulated seconds
        await _cluster.Kubelet.TickAsync(Ct);
        var seen = new List<(WatchEventType Type, V1Pod Pod)>();
        await foreach (var item in watch)
        {
            seen.Add(item);
        }

        Assert.Equal([WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Deleted], seen.Select(s => s.Type));
        var exited = seen[1].Pod;
        Assert.Equal("Failed", exited.Status.Phase);
        Assert.Equal(SimulatedPodAnnotations.CheckpointedExitCode, exited.Status.ContainerStatuses[0].State.Terminated.ExitCode);
        var last = _telemetry.Samples.Last();
        Assert.Equal(last.Body.Step, last.Body.LastCheckpointStep);
        Assert.True(last.Body.Step > 0);
    }

    [Fact]
    public async Task An_exit_code_annotation_fails_the_pod_at_the_end_of_its_runtime()
    {
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("crash", node: _cluster.NodeNames[2], annotations: new Dictionary<string, string>
        {
            [SimulatedPodAnnotations.Runtime] = "120",
            [SimulatedPodAnnotations.ExitCode] = "1",
        }), "default", cancellationToken: Ct);

        _time.Advance(TimeSpan.FromSeconds(1));
        await _cluster.Kubelet.TickAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(3));
        await _cluster.Kubelet.TickAsync(Ct);
        var pod = await _client.CoreV1.ReadNamespacedPodAsync("crash", "default", cancellationToken: Ct);

        Assert.Equal("Failed", pod.Status.Phase);
        Assert.Equal(1, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode);
    }

    [Fact]
    public async Task A_pod_whose_gpus_do_not_fit_beside_the_admitted_ones_is_rejected()
    {
        var node = _cluster.NodeNames[4];
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("first", node: node, gpus: 6), "default", cancellationToken: Ct);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("second", node: node, gpus: 4), "default", cancellationToken: Ct);
        await _client.CoreV1.CreateNamespacedPodAsync(Pod("small", node: node, gpus: 2), "default", cancellationToken: Ct);
        _time.Advance(TimeSpan.FromSeconds(1));

        await _cluster.Kubelet.TickAsync(Ct);
        var pods = (await _client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items.ToDictionary(p => p.Metadata.Name);

        Assert.Equal("Running", pods["first"].Status.Phase);
        Assert.Equal("Failed", pods["second"].Status.Phase);
        Assert.Equal("OutOfnvidia.com/gpu", pods["second"].Status.Reason);
        Assert.Equal("Running", pods["small"].Status.Phase);
    }

    [Fact]
    public async Task The_http_sink_posts_the_trainer_telemetry_body_to_the_pod_url()
    {
        var handler = new CapturingHandler();
        using var http = new HttpClient(handler);
        var sink = new HttpSimulatedTelemetrySink(http);
        var sample = new SimulatedTelemetry("default", "job-0-0", "job-1", "http://127.0.0.1:8080/api/v1/jobs/job-1/telemetry", TotalSteps: 1000,
            new Scheduler.Domain.Workloads.TelemetrySample
            {
                Step = 500, Tokens = 500_000_000, Loss = 3.2, TokensPerSecond = 1e6, StepSeconds = 0.5, LastCheckpointStep = 500, Timestamp = _time.GetUtcNow(),
            });

        await sink.ReportAsync(sample, Ct);
        await sink.ReportAsync(sample with { TelemetryUrl = null }, Ct);

        var (uri, body) = Assert.Single(handler.Requests);
        Assert.Equal("/api/v1/jobs/job-1/telemetry", uri.AbsolutePath);
        using var json = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal(500, json.RootElement.GetProperty("step").GetInt64());
        Assert.Equal(500, json.RootElement.GetProperty("lastCheckpointStep").GetInt64());
        Assert.Equal(1e6, json.RootElement.GetProperty("tokensPerSecond").GetDouble());
    }

    [Fact]
    public async Task The_http_sink_sends_the_pods_telemetry_token_as_its_bearer_token()
    {
        var handler = new CapturingHandler();
        using var http = new HttpClient(handler);
        var sink = new HttpSimulatedTelemetrySink(http);
        var body = new TelemetrySample { Step = 1, Tokens = 1_000_000, Loss = 3.2, TokensPerSecond = 1e6, StepSeconds = 0.5, LastCheckpointStep = 0, Timestamp = _time.GetUtcNow() };
        var sample = new SimulatedTelemetry("default", "job-0-0", "job-1", "http://127.0.0.1:8080/api/v1/jobs/job-1/telemetry",
            TotalSteps: 10, Body: body, TelemetryToken: "gsj_attempt-token");

        await sink.ReportAsync(sample, Ct);
        await sink.ReportAsync(sample with { TelemetryToken = null }, Ct);

        Assert.Equal(["Bearer gsj_attempt-token", null], handler.Authorizations);
    }

    [Fact]
    public async Task Cordoning_and_readiness_show_on_the_node()
    {
        var node = _cluster.NodeNames[3];

        _cluster.Cordon(node);
        _cluster.SetReady(node, ready: false);
        var read = await _client.CoreV1.ReadNodeAsync(node, cancellationToken: Ct);
        _cluster.RemoveNode(node);

        Assert.True(read.Spec.Unschedulable);
        Assert.Contains(read.Status.Conditions, c => c.Type == "Ready" && c.Status == "False");
        Assert.DoesNotContain((await _client.CoreV1.ListNodeAsync(cancellationToken: Ct)).Items, n => n.Metadata.Name == node);
    }

    [Fact]
    public async Task The_kubeconfig_it_writes_works_with_the_client()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kubeconfig-{Guid.NewGuid():N}");
        _cluster.WriteKubeconfig(path);

        using var client = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(path));
        var version = await client.Version.GetCodeAsync(Ct);
        File.Delete(path);

        Assert.Equal("1", version.Major);
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<(Uri Uri, string Body)> Requests { get; } = [];

        public List<string?> Authorizations { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Authorizations.Add(request.Headers.Authorization?.ToString());
            Requests.Add((request.RequestUri!, await request.Content!.ReadAsStringAsync(cancellationToken)));
            return new HttpResponseMessage(System.Net.HttpStatusCode.Accepted);
        }
    }

    private sealed class RecordingSink : ISimulatedTelemetrySink
    {
        public ConcurrentQueue<SimulatedTelemetry> Samples { get; } = new();

        public ValueTask ReportAsync(SimulatedTelemetry sample, CancellationToken cancellationToken)
        {
            Samples.Enqueue(sample);
            return ValueTask.CompletedTask;
        }
    }
}
