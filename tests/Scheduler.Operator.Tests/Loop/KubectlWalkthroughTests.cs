using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Tests.Support;
using Scheduler.Simulation.Tests.Support;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// The README's kubectl walk-through through the whole operator: the machine's kubectl applies the example GpuQueue and
/// TrainingJob to the simulated cluster, the sync submits the job, the loop places it, and kubectl shows it Running with
/// its predicted GPU-hours and node; deleting the resource cancels the job and removes its pods.
/// </summary>
public sealed class KubectlWalkthroughTests
{
    [Fact]
    public async Task An_applied_trainingjob_reaches_Running_on_a_node_and_deleting_it_removes_its_pods()
    {
        Kubectl.SkipWhenAbsent();
        // Real time: the example job then runs for many minutes, long enough to be seen Running.
        await using var harness = await OperatorHarness.StartAsync(nameof(KubectlWalkthroughTests), a100Nodes: 1, clockSpeed: 1);
        await harness.StartOperatorAsync("operator-0", syncCustomResources: true);
        var dir = Directory.CreateTempSubdirectory("kubectl-walkthrough").FullName;
        harness.Cluster.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
        var kubectl = new Kubectl(Path.Combine(dir, "kubeconfig"), Path.Combine(dir, "cache"));

        var apply = await kubectl.RunAsync("apply", "-f", RepoPaths.Of("docs/examples/gpuqueue.yaml"), "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));
        Assert.True(apply.ExitCode == 0, apply.Error);

        string? row = null;
        await OperatorHarness.WaitUntilAsync(
            async () =>
            {
                var get = await kubectl.RunAsync("get", "trainingjobs", "--no-headers");
                row = get.Output.Trim();
                return row.Contains("Running", StringComparison.Ordinal);
            },
            because: () => $"kubectl get trainingjobs: {row}");
        Assert.Matches(@"^gpt2-small\s+research\s+Running\s+8\s+\d+(\.\d+)?\s+\d+s$", row);
        var node = (await kubectl.RunAsync("get", "tj", "gpt2-small", "-o", "jsonpath={.status.assignedNodes[0]}")).Output;
        Assert.StartsWith("sim-a100-80gb-", node, StringComparison.Ordinal);
        var pods = await kubectl.RunAsync("get", "pods", "-n", "default", "--no-headers");
        Assert.Matches(@"gpt2-small-\S+-1-0\s+1/1\s+Running", pods.Output);
        var jobId = Guid.Parse((await kubectl.RunAsync("get", "tj", "gpt2-small", "-o", "jsonpath={.status.jobId}")).Output);

        var delete = await kubectl.RunAsync("delete", "-f", RepoPaths.Of("docs/examples/trainingjob.yaml"));

        Assert.True(delete.ExitCode == 0, delete.Error);
        Assert.Equal(JobState.Cancelled, (await harness.GetJobAsync(jobId)).State);
        await OperatorHarness.WaitUntilAsync(async () => (await harness.PodsOfAsync(jobId)).Count == 0, because: () => "the cancelled job's pods are deleted");
    }
}
