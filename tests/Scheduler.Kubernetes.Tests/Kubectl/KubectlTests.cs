using Scheduler.Kubernetes.Tests.Support;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Kubernetes.Tests.Kubectl;

public sealed class KubectlTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kubectl-test").FullName;
    private FakeApiServer _server = null!;
    private Support.Kubectl _kubectl = null!;

    public async ValueTask InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        var kubeconfig = Path.Combine(_dir, "kubeconfig");
        _server.WriteKubeconfig(kubeconfig);
        _kubectl = new Support.Kubectl(kubeconfig, Path.Combine(_dir, "cache"));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
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
}
