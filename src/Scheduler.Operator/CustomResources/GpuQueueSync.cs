using System.Collections.Concurrent;
using k8s;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Application.Common;
using Scheduler.Application.Queues;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;

namespace Scheduler.Operator.CustomResources;

/// <summary>
/// GpuQueue → queue, through <see cref="PutQueue"/> as <c>PUT /api/v1/queues/{name}</c> does; the queue's pending and
/// running job counts → the resource's status. Deleting a GpuQueue keeps the database queue and its jobs (a warning is
/// logged): jobs are never deleted behind their owners' backs, and REST clients may use the queue too.
/// </summary>
internal sealed class GpuQueueSync(
    IKubernetes client, IServiceScopeFactory scopes, TimeProvider time, CustomResourceSyncOptions options, ILogger<GpuQueueSync> logger)
    : ResourceSync<GpuQueue, GpuQueueList>(client.GpuQueues(), scopes, time, options, logger)
{
    // The generation refused per queue: not retried, nor logged again, until the spec changes.
    private readonly ConcurrentDictionary<string, long> _refused = new(StringComparer.Ordinal);

    protected override string Kind => GpuSchedulerApi.GpuQueueKind;

    protected override bool NeedsReconcile(GpuQueue? previous, GpuQueue current) =>
        previous is null || previous.Metadata.Uid != current.Metadata.Uid || previous.Metadata.Generation != current.Metadata.Generation;

    /// <summary>Never: the counts move with the queue's jobs.</summary>
    protected override bool IsSettled(GpuQueue resource) => false;

    protected override async Task ReconcileAsync(GpuQueue resource, IServiceProvider services, CancellationToken cancellationToken)
    {
        var sender = services.GetRequiredService<ISender>();
        var name = resource.Metadata.Name;
        var generation = resource.Metadata.Generation ?? 1;
        var observed = resource.Status?.ObservedGeneration;
        if (observed != generation && !(_refused.TryGetValue(name, out var refused) && refused == generation))
        {
            try
            {
                var stored = await sender.Send(new PutQueue(name, resource.Spec), cancellationToken);
                observed = generation;
                _refused.TryRemove(name, out _);
                CustomResourceLog.QueueStored(Logger, name, generation, stored.Value!.Created);
            }
            catch (RequestValidationException e)
            {
                _refused[name] = generation;
                CustomResourceLog.QueueRefused(Logger, name, generation, e.Message);
            }
        }

        if (observed is null)
        {
            return; // never stored: no counts to report
        }

        var counts = await sender.Send(new GetQueueJobCounts(name), cancellationToken);
        var status = (resource.Status ?? new GpuQueueStatus()) with
        {
            PendingJobs = counts.Pending,
            RunningJobs = counts.Running,
            ObservedGeneration = observed,
        };
        await WriteStatusAsync(resource, resource.Status, status, cancellationToken);
    }

    protected override Task DeletedAsync(GpuQueue resource, IServiceProvider services, CancellationToken cancellationToken)
    {
        _refused.TryRemove(resource.Metadata.Name, out _);
        CustomResourceLog.QueueDeleted(Logger, resource.Metadata.Name);
        return Task.CompletedTask;
    }
}
