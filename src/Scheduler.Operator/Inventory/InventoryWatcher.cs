using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Inventory;

/// <summary>
/// Keeps <see cref="ClusterInventory"/> in step with the API server: every Node, the pods we own (by the managed-by
/// label, in every namespace), and in a watch of their own every other pod (<c>managed-by!=gpu-scheduler</c>; the inventory
/// keeps only those bound to a node that request GPUs, so capacity other schedulers hold is not handed out twice).
/// <see cref="ResourceWatcher{T}"/> resumes from the last resourceVersion, relists on 410 Gone and backs off with jitter.
/// Runs on every replica, so a standby has a warm view when it becomes leader.
/// </summary>
public sealed class InventoryWatcher(
    IKubernetes client, ClusterInventory inventory, TimeProvider time, ResourceWatcherOptions options, ILoggerFactory loggers) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nodes = new ResourceWatcher<V1Node>(WatchSources.Nodes(client), time, options, loggers.CreateLogger<ResourceWatcher<V1Node>>());
        var pods = new ResourceWatcher<V1Pod>(
            WatchSources.Pods(client, null, WorkloadLabels.ManagedSelector), time, options, loggers.CreateLogger<ResourceWatcher<V1Pod>>());
        var foreign = new ResourceWatcher<V1Pod>(
            WatchSources.Pods(client, null, WorkloadLabels.ForeignSelector), time, options, loggers.CreateLogger<ResourceWatcher<V1Pod>>());
        return Task.WhenAll(
            nodes.RunAsync((change, _) => Deliver(() => inventory.Apply(change)), stoppingToken),
            pods.RunAsync((change, _) => Deliver(() => inventory.Apply(change)), stoppingToken),
            foreign.RunAsync((change, _) => Deliver(() => inventory.ApplyForeign(change)), stoppingToken));
    }

    private static ValueTask Deliver(Action apply)
    {
        apply();
        return ValueTask.CompletedTask;
    }
}
