using k8s;
using Scheduler.Simulation.Cluster;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>Starts the cluster of one <see cref="OperatorHarness"/> with GPU nodes of these pools.</summary>
internal delegate Task<LoopCluster> LoopClusterFactory(IReadOnlyList<SimulatedNodePool> pools, double clockSpeed);

/// <summary>
/// The cluster an <see cref="OperatorHarness"/> runs its operators against, with GPU nodes a kwok-like kubelet drives:
/// the embedded simulated cluster (<see cref="InProcessLoopCluster"/>), or fake nodes of an <see cref="ApiKubelet"/> on the
/// fake API server or on a real cluster (<see cref="ApiKubeletLoopCluster"/>).
/// </summary>
internal abstract class LoopCluster : IAsyncDisposable
{
    /// <summary>Where REST-submitted jobs' pods go.</summary>
    public abstract string Namespace { get; }

    /// <summary>Where the operators' leader-election Lease lives.</summary>
    public abstract string LeaseNamespace { get; }

    public abstract IReadOnlyList<string> NodeNames { get; }

    /// <summary>The embedded simulated cluster, when this is one.</summary>
    public virtual SimulatedCluster? Simulated => null;

    /// <summary>How long a wait may take before the test fails: short in process, generous on a real cluster.</summary>
    public virtual TimeSpan Patience => OperatorHarness.Patience;

    /// <summary>
    /// Leader-election timings of the operators: short, since failover tests wait for a lease to expire, but a leader keeps
    /// its lease through a renewal held up for up to 3 s (CI runs every test project at once on 2 cores; with a 1 s renew
    /// deadline a stalled leader could lose the lease to the standby).
    /// </summary>
    public virtual (TimeSpan Lease, TimeSpan RenewDeadline, TimeSpan Retry) LeaderElection =>
        (TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(0.25));

    /// <summary>True when the custom-resource sync watches <see cref="Namespace"/> only (on a shared cluster the other TrainingJobs are not ours).</summary>
    public virtual bool SyncOwnNamespaceOnly => false;

    public abstract IKubernetes CreateClient();

    /// <summary>Marks a node (un)schedulable, as <c>kubectl cordon</c> does.</summary>
    public abstract Task CordonAsync(string node, bool cordoned = true);

    /// <summary>Deletes the node object; its pods stay until someone deletes them.</summary>
    public abstract Task RemoveNodeAsync(string node);

    /// <summary>One run's text of the kubelet's state for failure messages.</summary>
    public virtual string Diagnostics => string.Empty;

    public abstract ValueTask DisposeAsync();
}

/// <summary>The embedded simulated cluster: fake API server and the in-process kubelet on its store.</summary>
internal sealed class InProcessLoopCluster(SimulatedCluster cluster) : LoopCluster
{
    public static async Task<LoopCluster> StartAsync(IReadOnlyList<SimulatedNodePool> pools, double clockSpeed) =>
        new InProcessLoopCluster(await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            NodePools = pools,
            ClockSpeed = clockSpeed,
            TickInterval = TimeSpan.FromMilliseconds(50),
        }));

    public override string Namespace => "training";

    public override string LeaseNamespace => "default";

    public override IReadOnlyList<string> NodeNames => cluster.NodeNames;

    public override SimulatedCluster Simulated => cluster;

    public override IKubernetes CreateClient() => cluster.CreateClient();

    public override Task CordonAsync(string node, bool cordoned = true)
    {
        cluster.Cordon(node, cordoned);
        return Task.CompletedTask;
    }

    public override Task RemoveNodeAsync(string node)
    {
        cluster.RemoveNode(node);
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync() => cluster.DisposeAsync();
}
