using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Scheduler.Kubernetes.Tests.Support;
using static Scheduler.Kubernetes.Tests.Support.TestJobs;

namespace Scheduler.Simulation.Tests.ApiServer;

public sealed class ResourceQuotaTests : FakeServerTest
{
    [Fact]
    public async Task A_pod_past_the_namespace_quota_is_forbidden_with_the_quota_named_and_ended_pods_do_not_count()
    {
        await QuotaAsync(new Dictionary<string, ResourceQuantity> { ["requests.nvidia.com/gpu"] = new("4"), ["pods"] = new("10") });
        await Client.CoreV1.CreateNamespacedPodAsync(Pod("a", gpus: 3), "default", cancellationToken: Ct);
        var ended = await Client.CoreV1.CreateNamespacedPodAsync(Pod("b", gpus: 1), "default", cancellationToken: Ct);
        ended.Status.Phase = "Succeeded";
        await Client.CoreV1.ReplaceNamespacedPodStatusAsync(ended, "b", "default", cancellationToken: Ct);

        await Client.CoreV1.CreateNamespacedPodAsync(Pod("c", gpus: 1), "default", cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("d", gpus: 2), "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        var status = KubernetesJson.Deserialize<V1Status>(refused.Response.Content);
        Assert.Equal("Forbidden", status.Reason);
        Assert.Equal("pods \"d\" is forbidden: exceeded quota: compute, requested: requests.nvidia.com/gpu=2, used: requests.nvidia.com/gpu=4, limited: requests.nvidia.com/gpu=4", status.Message);
    }

    [Fact]
    public async Task A_pod_that_does_not_state_a_memory_request_a_quota_tracks_is_forbidden()
    {
        await QuotaAsync(new Dictionary<string, ResourceQuantity> { ["requests.memory"] = new("8Gi") });

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoreV1.CreateNamespacedPodAsync(Pod("p"), "default", cancellationToken: Ct));

        Assert.Equal(HttpStatusCode.Forbidden, refused.Response.StatusCode);
        Assert.Equal("pods \"p\" is forbidden: failed quota: compute: must specify requests.memory", KubernetesJson.Deserialize<V1Status>(refused.Response.Content).Message);
    }

    private Task<V1ResourceQuota> QuotaAsync(Dictionary<string, ResourceQuantity> hard) =>
        Client.CoreV1.CreateNamespacedResourceQuotaAsync(
            new V1ResourceQuota { Metadata = new V1ObjectMeta { Name = "compute" }, Spec = new V1ResourceQuotaSpec { Hard = hard } }, "default", cancellationToken: Ct);
}
