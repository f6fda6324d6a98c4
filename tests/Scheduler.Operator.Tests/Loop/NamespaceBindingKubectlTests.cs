using Scheduler.Kubernetes.Tests.Support;

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
        await File.WriteAllTextAsync(queue, QueueYaml, TestContext.Current.CancellationToken);
        var job = Path.Combine(dir, "trainingjob.yaml");
        var example = await File.ReadAllTextAsync(RepoPaths.Of("docs/examples/trainingjob.yaml"), TestContext.Current.CancellationToken);
        Assert.Contains("namespace: default\n", example, StringComparison.Ordinal);
        await File.WriteAllTextAsync(job, example.Replace("namespace: default\n", "namespace: team-b\n", StringComparison.Ordinal), TestContext.Current.CancellationToken);

        var apply = await kubectl.RunAsync("apply", "-f", queue, "-f", job);
        Assert.True(apply.ExitCode == 0, apply.Error);

        string? reason = null;
        await OperatorHarness.WaitUntilAsync(
            async () => (reason = (await kubectl.RunAsync("get", "tj", "gpt2-small", "-n", "team-b", "-o", AdmittedReason)).Output) == "Forbidden",
            because: () => $"the Admitted condition's reason is {reason}");
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

        string? row = null;
        await OperatorHarness.WaitUntilAsync(
            async () => (row = (await kubectl.RunAsync("get", "trainingjobs", "-n", "team-b", "--no-headers")).Output.Trim()).Contains("Running", StringComparison.Ordinal),
            because: () => $"kubectl get trainingjobs -n team-b: {row}");
        Assert.Equal("True", (await kubectl.RunAsync("get", "tj", "gpt2-small", "-n", "team-b", "-o", "jsonpath={.status.conditions[?(@.type==\"Admitted\")].status}")).Output);
        var pods = await kubectl.RunAsync("get", "pods", "-n", "team-b", "--no-headers");
        Assert.Matches(@"gpt2-small-\S+-1-0\s+1/1\s+Running", pods.Output);
    }

    private const string AdmittedReason = "jsonpath={.status.conditions[?(@.type==\"Admitted\")].reason}";
}
