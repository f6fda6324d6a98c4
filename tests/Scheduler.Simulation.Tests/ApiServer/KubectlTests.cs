using k8s;
using k8s.Models;
using Scheduler.Kubernetes.Tests.Support;
using Scheduler.Simulation.Tests.Support;
using Scheduler.Simulation.Cluster;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Simulation.Tests.ApiServer;

/// <summary>The machine's kubectl against the simulated cluster: apply, get, describe, delete, validation, and the kubelet path.</summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kubectl-test").FullName;
    private SimulatedCluster _cluster = null!;
    private Support.Kubectl _kubectl = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { ClockSpeed = 3600, TickInterval = TimeSpan.FromMilliseconds(50) }, Ct);
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        _cluster.WriteKubeconfig(kubeconfig);
        _kubectl = new Support.Kubectl(kubeconfig, Path.Combine(_dir, "cache"));
    }

    public async ValueTask DisposeAsync()
    {
        await _cluster.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Theory]
    [InlineData("get nodes", "sim-h100-sxm-0")]
    [InlineData("get nodes -l nvidia.com/gpu.product=NVIDIA-A100-SXM4-80GB -o name", "node/sim-a100-80gb-3")]
    [InlineData("api-resources --api-group=gpu-scheduler.io", "trainingjobs")]
    [InlineData("get gpuqueues", "No resources found")]
    [InlineData("get crd", "trainingjobs.gpu-scheduler.io")]
    [InlineData("cordon sim-h100-sxm-1", "cordoned")]
    [InlineData("describe node sim-a100-80gb-0", "nvidia.com/gpu")]
    [InlineData("get tj -A", "No resources found")]
    public async Task Everyday_commands_work(string command, string expected)
    {
        Support.Kubectl.SkipWhenAbsent();

        var (exit, output, error) = await _kubectl.RunAsync(command.Split(' '));

        Assert.True(exit == 0, error);
        Assert.Contains(expected, output + error);
    }

    [Fact]
    public async Task A_pod_bound_to_a_simulated_node_shows_running_then_completed()
    {
        Support.Kubectl.SkipWhenAbsent();
        using var client = _cluster.CreateClient();
        var node = _cluster.NodeNames[0];
        await client.CoreV1.CreateNamespacedPodAsync(Pod("trainer-0", annotations: new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = "P30D" }), "default", cancellationToken: Ct);
        await client.CoreV1.CreateNamespacedPodBindingAsync(new V1Binding { Metadata = new V1ObjectMeta { Name = "trainer-0" }, Target = new V1ObjectReference { Kind = "Node", Name = node } }, "trainer-0", "default", cancellationToken: Ct);
        await Eventually(() => client.CoreV1.ReadNamespacedPodAsync("trainer-0", "default", cancellationToken: Ct), p => p.Status.Phase == "Running");

        var running = await _kubectl.RunAsync("get", "pods", "-o", "wide");
        var shortRun = new { metadata = new { annotations = new Dictionary<string, string> { [SimulatedPodAnnotations.Runtime] = "60" } } };
        await client.CoreV1.PatchNamespacedPodAsync(new V1Patch(shortRun, V1Patch.PatchType.MergePatch), "trainer-0", "default", cancellationToken: Ct);
        await Eventually(() => client.CoreV1.ReadNamespacedPodAsync("trainer-0", "default", cancellationToken: Ct), p => p.Status.Phase == "Succeeded");
        var done = await _kubectl.RunAsync("get", "pod", "trainer-0");

        Assert.True(running.ExitCode == 0, running.Error);
        Assert.Matches(@"trainer-0\s+1/1\s+Running\s+0\s+\S+\s+" + node, running.Output);
        Assert.Matches(@"trainer-0\s+0/1\s+Completed", done.Output);
    }

    [Fact]
    public async Task Applies_lists_describes_and_deletes_the_example_training_job()
    {
        Support.Kubectl.SkipWhenAbsent();

        var apply = await _kubectl.RunAsync("apply", "-f", RepoPaths.Of("docs/examples/gpuqueue.yaml"), "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));
        Assert.True(apply.ExitCode == 0, apply.Error);
        Assert.Contains("trainingjob.gpu-scheduler.io/gpt2-small created", apply.Output);

        var get = await _kubectl.RunAsync("get", "trainingjobs");
        Assert.True(get.ExitCode == 0, get.Error);
        var lines = get.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+QUEUE\s+PHASE\s+GPUS\s+PRED-GPU-HOURS\s+AGE", lines[0]);
        Assert.Matches(@"^gpt2-small\s+research\s+<none>\s+8\s+\S*\s*\d+s$", lines[1].TrimEnd());

        var reapply = await _kubectl.RunAsync("apply", "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));
        Assert.True(reapply.ExitCode == 0, reapply.Error);
        Assert.Contains("unchanged", reapply.Output);

        var describe = await _kubectl.RunAsync("describe", "trainingjob", "gpt2-small");
        Assert.True(describe.ExitCode == 0, describe.Error);
        Assert.Contains("Queue:", describe.Output);
        Assert.Contains("A100-80GB|H100-SXM", describe.Output);

        var delete = await _kubectl.RunAsync("delete", "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));
        Assert.True(delete.ExitCode == 0, delete.Error);
        Assert.Contains("deleted", delete.Output);
        var after = await _kubectl.RunAsync("get", "tj", "gpt2-small");
        Assert.NotEqual(0, after.ExitCode);
        Assert.Contains("NotFound", after.Error);
    }

    [Fact]
    public async Task Apply_refuses_an_invalid_spec_naming_the_fields()
    {
        Support.Kubectl.SkipWhenAbsent();

        var apply = await _kubectl.RunAsync("apply", "-f", RepoPaths.Of("docs/examples/trainingjob-invalid.yaml"));

        Assert.NotEqual(0, apply.ExitCode);
        Assert.Contains("is invalid", apply.Error);
        Assert.Contains("spec.resources.gpuMilli", apply.Error);
        Assert.Contains("spec.parallelism", apply.Error);
    }

    [Fact]
    public async Task Server_side_apply_creates_then_updates()
    {
        Support.Kubectl.SkipWhenAbsent();

        var first = await _kubectl.RunAsync("apply", "--server-side", "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));
        var second = await _kubectl.RunAsync("apply", "--server-side", "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));

        Assert.True(first.ExitCode == 0, first.Error);
        Assert.Contains("serverside-applied", first.Output);
        Assert.True(second.ExitCode == 0, second.Error);
    }

    [Fact]
    public async Task Get_watch_prints_a_row_per_change()
    {
        Support.Kubectl.SkipWhenAbsent();
        var watching = _kubectl.ReadUntilAsync(line => line.Contains("Running", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "get", "trainingjobs", "--watch");
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        using var client = _cluster.CreateClient();
        await Scheduler.Kubernetes.Clients.GpuSchedulerClients.TrainingJobs(client).CreateAsync(Job("watched"), Ct);
        await Scheduler.Kubernetes.Clients.GpuSchedulerClients.TrainingJobs(client).PatchStatusAsync("watched", "default", new { status = new { phase = "Running" } }, Ct);

        var lines = await watching;

        Assert.StartsWith("NAME", lines[0]);
        Assert.Matches(@"^watched\s+research\s+Running\s+1\s", lines[^1]);
    }
}
