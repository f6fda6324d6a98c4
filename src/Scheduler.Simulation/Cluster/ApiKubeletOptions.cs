using Scheduler.Domain.Catalog;

namespace Scheduler.Simulation.Cluster;

/// <summary>Settings of an <see cref="ApiKubelet"/>; the pod lifecycle settings mean what they mean in <see cref="SimulatedClusterOptions"/>.</summary>
public sealed record ApiKubeletOptions
{
    /// <summary>This kubelet's name: the value of <see cref="ApiKubelet.KubeletLabel"/> on the nodes it registers and runs.</summary>
    public required string Name { get; init; }

    /// <summary>Simulated seconds per real second.</summary>
    public double ClockSpeed { get; init; } = 1.0;

    public TimeSpan StartupTime { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan CheckpointTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Simulated runtime of a pod that names none: by default it runs until deleted, as a DaemonSet's pod on a fake node of a
    /// real cluster must (kube-proxy, the CNI); ours name theirs (<see cref="SimulatedPodAnnotations.Runtime"/>).
    /// </summary>
    public TimeSpan DefaultRuntime { get; init; } = TimeSpan.MaxValue;

    /// <summary>Real interval between two passes over the pods.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Real interval between two renewals of the node Leases and Ready heartbeats (a real kubelet: 10 s).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The node Lease's duration (a real kubelet: 40 s, the node lifecycle controller's grace period).</summary>
    public int LeaseDurationSeconds { get; init; } = 40;

    public GpuCatalog Catalog { get; init; } = GpuCatalog.Default;

    public TimeProvider Time { get; init; } = TimeProvider.System;

    internal SimulatedClusterOptions Lifecycle => new()
    {
        NodePools = [],
        ClockSpeed = ClockSpeed,
        StartupTime = StartupTime,
        CheckpointTime = CheckpointTime,
        DefaultRuntime = DefaultRuntime,
        TickInterval = TickInterval,
    };
}
