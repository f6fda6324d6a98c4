using k8s;
using k8s.Models;
using Scheduler.Domain.Queues;
using Scheduler.Kubernetes.Tests.Support;
using Scheduler.Simulation.Tests.Support;

namespace Scheduler.Simulation.Tests.ApiServer;

/// <summary>Namespaces as a GpuQueue's namespaceSelector sees them: with their labels, and their own name as one.</summary>
public sealed class NamespaceTests : FakeServerTest
{
    [Fact]
    public async Task A_namespace_keeps_its_labels_and_carries_its_name_as_a_label()
    {
        var ns = new V1Namespace { Metadata = new V1ObjectMeta { Name = "team-a", Labels = new Dictionary<string, string> { ["team"] = "research" } } };

        await Client.CoreV1.CreateNamespaceAsync(ns, cancellationToken: Ct);
        await Client.CoreV1.PatchNamespaceAsync(
            new V1Patch(new { metadata = new { labels = new Dictionary<string, string> { ["tier"] = "gold" } } }, V1Patch.PatchType.MergePatch), "team-a", cancellationToken: Ct);
        var read = await Client.CoreV1.ReadNamespaceAsync("team-a", cancellationToken: Ct);
        var selected = await Client.CoreV1.ListNamespaceAsync(labelSelector: "team=research,tier=gold", cancellationToken: Ct);

        Assert.Equal(
            new Dictionary<string, string> { ["team"] = "research", ["tier"] = "gold", [QueueNamespaces.NameLabel] = "team-a" },
            read.Metadata.Labels);
        Assert.Equal(["team-a"], selected.Items.Select(n => n.Metadata.Name));
        var builtIn = await Client.CoreV1.ReadNamespaceAsync("default", cancellationToken: Ct);
        Assert.Equal("default", builtIn.Metadata.Labels[QueueNamespaces.NameLabel]);
    }
}
