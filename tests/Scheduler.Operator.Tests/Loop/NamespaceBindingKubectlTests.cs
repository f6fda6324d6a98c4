using k8s;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;
using Scheduler.Kubernetes.Tests.Support;
using Scheduler.Simulation.Tests.Support;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// The GpuQueue's namespace binding through the machine's kubectl and the whole operator: a TrainingJob in a namespace
/// the queue does not admit reports Forbidden and gets no pods; once the namespace is labelled and the queue selects that
/// label, the same TrainingJob is submitted, placed and running.
/// </summary>
public sealed class NamespaceBindingKubectlTests
{
    /// <summary>The namespace by manifest: <c>kubectl create namespace</c> sends protobuf, which the fake API server does not read.</summary>
    private const string QueueYaml = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: team-b
        ---
        apiVersion: gpu-scheduler.io/v1alpha1
        kind: GpuQueue
        metadata:
          name: research
        spec:
          nominalQuota:
            A100-80GB: 8
          namespaces: [team-a]
        """;

    [Fact]
    public async Task A_trainingjob_in_a_namespace_the_queue_does_not_admit_is_forbidden_until_the_binding_admits_it()
    {
        Kubectl.SkipWhenAbsent();
        // Real time: the example job then runs for many minutes, long enough to be seen Running.
        await using var harness = await OperatorHarness.StartAsync(nameof(NamespaceBindingKubectlTests), a100Nodes: 1, clockSpeed: 1);
        await harness.StartOperatorAsync("operator-0", syncCustomResources: true);
        var dir = Directory.CreateTempSubdirectory("kubectl-binding").FullName;
        harness.Cluster.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));
        var kubectl = new Kubectl(Path.Combine(dir, "kubeconfig"), Path.Combine(dir, "cache"));
        var queue = Path.Combine(dir, "gpuqueue.yaml");
        await File.WriteAllTextAsync(queue, QueueYaml, Ct);
        var job = Path.Combine(dir, "trainingjob.yaml");
        var example = await File.ReadAllTextAsync(RepoPaths.Of("docs/examples/trainingjob.yaml"), Ct);
        Assert.Contains("namespace: default\n", example, StringComparison.Ordinal);
        await File.WriteAllTextAsync(job, example.Replace("namespace: default\n", "namespace: team-b\n", StringComparison.Ordinal), Ct);

        var apply = await kubectl.RunAsync("apply", "-f", queue, "-f", job);
        Assert.True(apply.ExitCode == 0, apply.Error);

        // Waits read through the client (a kubectl per poll costs a process start on a busy CI machine); kubectl shows the result.
        TrainingJob? seen = null;
        await harness.WaitAsync(
            async () => (seen = await harness.Client.TrainingJobs().GetAsync("gpt2-small", "team-b", Ct))?.Status?.Conditions?.Any(c => c.Reason == "Forbidden") == true,
            () => $"the TrainingJob's conditions: {KubernetesJson.Serialize(seen?.Status?.Conditions)}");
        Assert.Equal("Forbidden", (await kubectl.RunAsync("get", "tj", "gpt2-small", "-n", "team-b", "-o", AdmittedReason)).Output);
        var message = (await kubectl.RunAsync("get", "tj", "gpt2-small", "-n", "team-b", "-o", "jsonpath={.status.pendingReason}")).Output;
        Assert.Contains("does not admit TrainingJobs of namespace 'team-b'", message, StringComparison.Ordinal);
        Assert.Equal("", (await kubectl.RunAsync("get", "tj", "gpt2-small", "-n", "team-b", "-o", "jsonpath={.status.jobId}")).Output);
        var events = await kubectl.RunAsync("get", "events", "-n", "team-b", "-o", "jsonpath={range .items[*]}{.type} {.reason} {.involvedObject.name}{\"\\n\"}{end}");
        Assert.Contains("Warning Forbidden gpt2-small", events.Output, StringComparison.Ordinal);
        Assert.Equal("", (await kubectl.RunAsync("get", "pods", "-n", "team-b", "--no-headers")).Output.Trim());

        var label = await kubectl.RunAsync("label", "namespace", "team-b", "gpu-scheduler.io/team=research");
        Assert.True(label.ExitCode == 0, label.Error);
        var patch = await kubectl.RunAsync(
            "patch", "gpuqueue", "research", "--type", "merge", "-p", """{"spec":{"namespaceSelector":{"matchLabels":{"gpu-scheduler.io/team":"research"}}}}""");
        Assert.True(patch.ExitCode == 0, patch.Error);

        await harness.WaitAsync(
            async () => (seen = await harness.Client.TrainingJobs().GetAsync("gpt2-small", "team-b", Ct))?.Status?.Phase == JobState.Running,
            () => $"the TrainingJob's status: {KubernetesJson.Serialize(seen?.Status)}");
        var row = (await kubectl.RunAsync("get", "trainingjobs", "-n", "team-b", "--no-headers")).Output.Trim();
        Assert.Matches(@"^gpt2-small\s+research\s+Running\s", row);
        Assert.Equal("True", (await kubectl.RunAsync("get", "tj", "gpt2-small", "-n", "team-b", "-o", "jsonpath={.status.conditions[?(@.type==\"Admitted\")].status}")).Output);
        var pods = await kubectl.RunAsync("get", "pods", "-n", "team-b", "--no-headers");
        Assert.Matches(@"gpt2-small-\S+-1-0\s+1/1\s+Running", pods.Output);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string AdmittedReason = "jsonpath={.status.conditions[?(@.type==\"Admitted\")].reason}";
}
