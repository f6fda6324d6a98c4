using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Simulation.ApiServer;
using Scheduler.Kubernetes.Tests.Support;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Simulation.Tests.ApiServer;

public sealed class PodTests : FakeServerTest
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-03-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    protected override FakeApiServerOptions Options => new() { Time = _time, ReapInterval = TimeSpan.FromSeconds(1) };

    [Fact]
    public async Task Binding_assigns_the_node_once()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct);
        var binding = new V1Binding { Metadata = new V1ObjectMeta { Name = "p" }, Target = new V1ObjectReference { Kind = "Node", Name = "node-a" } };

        await Client.CoreV1.CreateNamespacedPodBindingAsync(binding, "p", "default", cancellationToken: Ct);
        var again = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodBindingAsync(binding, "p", "default", cancellationToken: Ct));
        var pod = await Client.CoreV1.ReadNamespacedPodAsync("p", "default", cancellationToken: Ct);

        Assert.Equal("node-a", pod.Spec.NodeName);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Contains(pod.Status.Conditions, c => c.Type == "PodScheduled" && c.Status == "True");
        Assert.Equal(HttpStatusCode.Conflict, again.Response.StatusCode);
    }

    [Fact]
    public async Task Deleting_a_bound_pod_marks_it_terminating_and_removes_it_after_the_grace_period()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", node: "node-a"), "default", cancellationToken: Ct);

        var deleting = await Client.CoreV1.DeleteNamespacedPodAsync("p", "default", gracePeriodSeconds: 30, cancellationToken: Ct);
        _time.Advance(TimeSpan.FromSeconds(29));
        var stillThere = await Client.CoreV1.ReadNamespacedPodAsync("p", "default", cancellationToken: Ct);
        _time.Advance(TimeSpan.FromSeconds(2));
        var pods = await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct);

        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Equal(30, deleting.Metadata.DeletionGracePeriodSeconds);
        Assert.Equal(_time.GetUtcNow().UtcDateTime.AddSeconds(-31 + 30), stillThere.Metadata.DeletionTimestamp!.Value, TimeSpan.FromSeconds(1));
        Assert.Empty(pods.Items);
    }

    [Fact]
    public async Task A_kubelet_confirmation_with_grace_zero_removes_a_terminating_pod_at_once()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", node: "node-a"), "default", cancellationToken: Ct);
        await Client.CoreV1.DeleteNamespacedPodAsync("p", "default", gracePeriodSeconds: 30, cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespacedPodAsync("p", "default", gracePeriodSeconds: 0, cancellationToken: Ct);

        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task An_unbound_pod_is_deleted_at_once()
    {
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct);

        await Client.CoreV1.DeleteNamespacedPodAsync("p", "default", cancellationToken: Ct);

        Assert.Empty((await Client.CoreV1.ListNamespacedPodAsync("default", cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task Status_writes_through_the_pod_status_subresource_keep_the_spec()
    {
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", node: "node-a"), "default", cancellationToken: Ct);
        pod.Status.Phase = "Running";
        pod.Spec.NodeName = "node-b";

        var written = await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", "default", cancellationToken: Ct);

        Assert.Equal("Running", written.Status.Phase);
        Assert.Equal("node-a", written.Spec.NodeName);
    }

    [Fact]
    public async Task A_status_write_that_changes_nothing_keeps_the_resource_version_and_one_that_does_not_keeps_the_generation()
    {
        var pod = await Client.CoreV1.CreateNamespacedPodAsync(Pod("p", node: "node-a"), "default", cancellationToken: Ct);
        pod.Spec.NodeName = "node-b"; // ignored by a status write either way

        var unchanged = await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", "default", cancellationToken: Ct);
        pod.Status.Phase = "Running";
        var changed = await Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", "default", cancellationToken: Ct);

        Assert.Equal(pod.Metadata.ResourceVersion, unchanged.Metadata.ResourceVersion);
        Assert.NotEqual(pod.Metadata.ResourceVersion, changed.Metadata.ResourceVersion);
        Assert.Equal("Running", changed.Status.Phase);
        Assert.Equal("node-a", changed.Spec.NodeName);
        Assert.Equal(pod.Metadata.Generation, changed.Metadata.Generation);
    }

    [Theory]
    [InlineData("spec.nodeName=node-a", null, new[] { "a1", "a2" })]
    [InlineData("spec.nodeName!=node-a", null, new[] { "b1" })]
    [InlineData("metadata.name=b1", null, new[] { "b1" })]
    [InlineData(null, "rank in (0,2)", new[] { "a1", "b1" })]
    [InlineData(null, "rank notin (0,2),app=trainer", new[] { "a2" })]
    [InlineData(null, "!rank", new string[0])]
    [InlineData("spec.nodeName=node-a", "rank=1", new[] { "a2" })]
    public async Task Lists_filter_by_field_and_label_selectors(string? fieldSelector, string? labelSelector, string[] expected)
    {
        foreach (var (name, node, rank) in new[] { ("a1", "node-a", "0"), ("a2", "node-a", "1"), ("b1", "node-b", "2") })
        {
            var pod = Pod(name, node);
            pod.Metadata.Labels["rank"] = rank;
            await Client.CoreV1.CreateNamespacedPodAsync(pod, "default", cancellationToken: Ct);
        }

        var pods = await Client.CoreV1.ListNamespacedPodAsync("default", fieldSelector: fieldSelector, labelSelector: labelSelector, cancellationToken: Ct);

        Assert.Equal(expected, pods.Items.Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task Lists_page_with_limit_and_continue_and_an_old_continue_is_410()
    {
        foreach (var name in new[] { "a", "b", "c" })
        {
            await Client.CoreV1.CreateNamespacedPodAsync(Pod(name), "default", cancellationToken: Ct);
        }

        var first = await Client.CoreV1.ListNamespacedPodAsync("default", limit: 2, cancellationToken: Ct);
        var rest = await Client.CoreV1.ListNamespacedPodAsync("default", continueParameter: first.Metadata.ContinueProperty, cancellationToken: Ct);
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("d"), "default", cancellationToken: Ct);
        Server.CompactHistory();
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() =>
            Client.CoreV1.ListNamespacedPodAsync("default", continueParameter: first.Metadata.ContinueProperty, cancellationToken: Ct));

        Assert.Equal(["a", "b"], first.Items.Select(p => p.Metadata.Name));
        Assert.Equal(["c"], rest.Items.Select(p => p.Metadata.Name));
        Assert.Equal(HttpStatusCode.Gone, gone.Response.StatusCode);
    }

    [Fact]
    public async Task Finalizers_hold_a_deleted_object_until_they_are_removed()
    {
        var service = new V1Service { Metadata = new V1ObjectMeta { Name = "job-svc", Finalizers = ["gpu-scheduler.io/cleanup"] }, Spec = new V1ServiceSpec { ClusterIP = "None" } };
        await Client.CoreV1.CreateNamespacedServiceAsync(service, "default", cancellationToken: Ct);

        var deleting = await Client.CoreV1.DeleteNamespacedServiceAsync("job-svc", "default", cancellationToken: Ct);
        await Client.CoreV1.PatchNamespacedServiceAsync(new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "job-svc", "default", cancellationToken: Ct);

        Assert.NotNull(deleting.Metadata.DeletionTimestamp);
        Assert.Empty((await Client.CoreV1.ListNamespacedServiceAsync("default", cancellationToken: Ct)).Items);
    }
}
