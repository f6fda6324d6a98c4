using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Scheduler.Operator.Pods;

/// <summary>
/// The API calls that carry out decisions. Creates are idempotent by name (409 means we made it before a crash: adopt it),
/// deletes tolerate 404, pods are created bound to the node the core chose. Every call waits for
/// <paramref name="limit"/> when one is given (the client-side QPS and burst).
/// </summary>
public sealed class WorkloadClient(IKubernetes client, ApiRateLimit? limit = null)
{
    public async Task EnsureServiceAsync(V1Service service, CancellationToken cancellationToken)
    {
        await ThrottleAsync(cancellationToken);
        await IgnoreConflict(() => client.CoreV1.CreateNamespacedServiceAsync(service, service.Namespace(), cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Creates the pod already bound to <paramref name="node"/> (<c>spec.nodeName</c> set at creation, which the API server accepts
    /// from whoever owns placement and the kubelet honours, as a DaemonSet's pods are): one call per pod instead of a create and a
    /// Binding. A pod that exists (409: a crash after creating it; names are deterministic) may predate this (created unbound by an
    /// older operator), so it is bound with the Binding subresource, which answers 409 when it is bound already.
    /// </summary>
    public async Task EnsurePodBoundAsync(V1Pod pod, string node, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(pod.Spec);
        pod.Spec.NodeName = node;
        await ThrottleAsync(cancellationToken);
        try
        {
            await client.CoreV1.CreateNamespacedPodAsync(pod, pod.Namespace(), cancellationToken: cancellationToken);
            return;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Ours from before: bind it below unless it is bound already.
        }

        var binding = new V1Binding
        {
            Metadata = new V1ObjectMeta { Name = pod.Name(), NamespaceProperty = pod.Namespace() },
            Target = new V1ObjectReference { Kind = "Node", Name = node, ApiVersion = "v1" },
        };
        await ThrottleAsync(cancellationToken);
        await IgnoreConflict(() => client.CoreV1.CreateNamespacedPodBindingAsync(binding, pod.Name(), pod.Namespace(), cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Deletes with the pod's grace period (null: the pod's own) so the trainer gets SIGTERM and time to checkpoint; false when
    /// the pod did not exist.
    /// </summary>
    public async Task<bool> DeletePodAsync(string name, string @namespace, long? gracePeriodSeconds, CancellationToken cancellationToken)
    {
        await ThrottleAsync(cancellationToken);
        try
        {
            await client.CoreV1.DeleteNamespacedPodAsync(name, @namespace, new V1DeleteOptions { GracePeriodSeconds = gracePeriodSeconds },
                cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone: the outcome we wanted.
            return false;
        }
    }

    public async Task DeleteServiceAsync(string serviceName, string @namespace, CancellationToken cancellationToken)
    {
        await ThrottleAsync(cancellationToken);
        await IgnoreNotFound(() => client.CoreV1.DeleteNamespacedServiceAsync(serviceName, @namespace, cancellationToken: cancellationToken));
    }

    /// <summary>The pods we created for the job, in every namespace, as the API server has them now (not as a watch last told).</summary>
    public async Task<IReadOnlyList<V1Pod>> ListPodsOfJobAsync(Scheduler.Domain.Jobs.JobId jobId, CancellationToken cancellationToken) =>
        (await client.CoreV1.ListPodForAllNamespacesAsync(
            labelSelector: $"{WorkloadLabels.ManagedSelector},{WorkloadLabels.JobId}={jobId}", cancellationToken: cancellationToken)).Items.ToList();

    /// <summary>Every Service we created (by the managed-by label), in every namespace.</summary>
    public async Task<IReadOnlyList<V1Service>> ListServicesAsync(CancellationToken cancellationToken) =>
        (await client.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: WorkloadLabels.ManagedSelector, cancellationToken: cancellationToken)).Items.ToList();

    private ValueTask ThrottleAsync(CancellationToken cancellationToken) => limit?.WaitAsync(cancellationToken) ?? ValueTask.CompletedTask;

    private static async Task IgnoreConflict<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // Created (or bound) before: names are deterministic, so this is ours.
        }
    }

    private static async Task IgnoreNotFound<T>(Func<Task<T>> call)
    {
        try
        {
            await call();
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Nothing to delete.
        }
    }
}
