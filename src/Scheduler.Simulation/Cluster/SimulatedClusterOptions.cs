using Scheduler.Simulation.ApiServer;
using Scheduler.Simulation.Cluster.Processes;

namespace Scheduler.Simulation.Cluster;

public sealed record SimulatedClusterOptions
{
    /// <summary>The default cluster of <c>make run</c>: 4 nodes × 8 H100-SXM and 4 nodes × 8 A100-80GB.</summary>
    public IReadOnlyList<SimulatedNodePool> NodePools { get; init; } = [new("H100-SXM", 4), new("A100-80GB", 4)];

    /// <summary>Simulated seconds per real second: 60 runs a one-hour job in one minute.</summary>
    public double ClockSpeed { get; init; } = 1.0;

    /// <summary>Simulated time from binding to Running (image pull, container start).</summary>
    public TimeSpan StartupTime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Simulated runtime of a pod that names none (see <see cref="SimulatedPodAnnotations.Runtime"/>).</summary>
    public TimeSpan DefaultRuntime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Simulated time a SIGTERMed trainer needs to write its checkpoint (capped by the grace period).</summary>
    public TimeSpan CheckpointTime { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Real interval of the kubelet loop; zero or less leaves ticking to the caller (<see cref="SimulatedKubelet.TickAsync"/>).</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Simulated interval between two telemetry samples of one pod.</summary>
    public TimeSpan TelemetryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where the synthetic telemetry of running rank-0 pods goes; none by default.</summary>
    public ISimulatedTelemetrySink? Telemetry { get; init; }

    /// <summary>When set, pods of the bundled trainer image run as real local trainer processes; null (the default): every pod is simulated.</summary>
    public ProcessRuntimeOptions? ProcessRuntime { get; init; }

    public FakeApiServerOptions Server { get; init; } = new();
}
