using System.Net;
using k8s;
using k8s.Autorest;
using Mediator;
using Scheduler.Application.Queues;
using Scheduler.Domain.Queues;

namespace Scheduler.Operator.CustomResources;

/// <summary>
/// Whether a TrainingJob's namespace may use the queue it names (<see cref="QueueNamespaces"/>): the queue's list first,
/// then, only when the queue has a selector, the namespace's labels read from the API server. Asked before each
/// submission; a refused TrainingJob stays unsubmitted and is asked again at every resync, so a changed binding or
/// relabelled namespace takes effect within one resync interval.
/// </summary>
internal sealed class QueueAccess(IKubernetes client)
{
    public const string ForbiddenReason = "Forbidden";

    /// <summary>
    /// Whether <paramref name="ns"/> may use <paramref name="queueName"/>. A queue that does not exist yet is its own answer,
    /// not a permission: a submission made after this check could otherwise meet a queue created meanwhile with a binding
    /// that excludes the namespace (a GpuQueue and its TrainingJob applied together race this way).
    /// </summary>
    public async Task<QueueAccessAnswer> CheckAsync(string queueName, string ns, ISender sender, CancellationToken cancellationToken)
    {
        if (await sender.Send(new GetQueue(queueName), cancellationToken) is not { IsSuccess: true } found)
        {
            return QueueAccessAnswer.NoSuchQueue(
                $"spec.queue: names no queue; create a GpuQueue named '{queueName}' (or PUT /api/v1/queues/{queueName}) first");
        }

        var spec = found.Value!.Spec;
        if (QueueNamespaces.AdmitsByName(spec, ns)
            || (spec.NamespaceSelector is not null && QueueNamespaces.Admits(spec, ns, await LabelsOfAsync(ns, cancellationToken))))
        {
            return QueueAccessAnswer.Allowed;
        }

        return QueueAccessAnswer.Refused(
            $"queue '{queueName}' does not admit TrainingJobs of namespace '{ns}': it admits {QueueNamespaces.Describe(spec)}. "
            + "Ask the queue's owner to add the namespace to its namespaces or namespaceSelector, or name a queue that admits it");
    }

    /// <summary>
    /// The namespace's labels with <see cref="QueueNamespaces.NameLabel"/>, which real clusters set on every namespace;
    /// a namespace the server does not know has only that one.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string>> LabelsOfAsync(string ns, CancellationToken cancellationToken)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            var found = await client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: cancellationToken);
            foreach (var (key, value) in found.Metadata?.Labels ?? new Dictionary<string, string>())
            {
                labels[key] = value;
            }
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
        }

        labels.TryAdd(QueueNamespaces.NameLabel, ns);
        return labels;
    }
}

/// <summary>What <see cref="QueueAccess"/> answered: allowed, no such queue, or refused; <see cref="Message"/> says why not.</summary>
internal sealed record QueueAccessAnswer(QueueAccessKind Kind, string? Message)
{
    public static readonly QueueAccessAnswer Allowed = new(QueueAccessKind.Allowed, null);

    public static QueueAccessAnswer NoSuchQueue(string message) => new(QueueAccessKind.NoSuchQueue, message);

    public static QueueAccessAnswer Refused(string message) => new(QueueAccessKind.Refused, message);
}

internal enum QueueAccessKind
{
    Allowed,
    NoSuchQueue,
    Refused,
}
