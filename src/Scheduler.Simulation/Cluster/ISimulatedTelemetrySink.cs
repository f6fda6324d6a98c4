using Scheduler.Domain.Workloads;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// One synthetic telemetry sample of a simulated pod: where it goes (the pod's <c>SCHEDULER_TELEMETRY_URL</c>) and the
/// <see cref="Body"/> the bundled trainer would post (the contract's <see cref="TelemetrySample"/>, with step, tokens, loss,
/// tokensPerSecond, stepSeconds, lastCheckpointStep and timestamp; peak memory and MFU are not simulated).
/// <see cref="TelemetryToken"/> is the pod's <c>SCHEDULER_TELEMETRY_TOKEN</c>, which the sample is sent with.
/// </summary>
public sealed record SimulatedTelemetry(
    string Namespace, string PodName, string? JobId, string? TelemetryUrl, long TotalSteps, TelemetrySample Body, string? TelemetryToken = null);

/// <summary>Receives the telemetry of simulated rank-0 pods; the host wires it to the control plane's telemetry endpoint.</summary>
public interface ISimulatedTelemetrySink
{
    ValueTask ReportAsync(SimulatedTelemetry sample, CancellationToken cancellationToken);
}
