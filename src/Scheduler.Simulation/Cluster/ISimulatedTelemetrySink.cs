namespace Scheduler.Simulation.Cluster;

/// <summary>
/// One synthetic telemetry sample of a simulated pod, shaped like the trainer's telemetry body (DESIGN.md): step, tokens,
/// loss, tokensPerSecond, stepSeconds, lastCheckpointStep, timestamp. Peak memory and MFU are not simulated.
/// <see cref="TelemetryToken"/> is the pod's <c>SCHEDULER_TELEMETRY_TOKEN</c>, which the sample is sent with.
/// </summary>
public sealed record SimulatedTelemetry(
    string Namespace,
    string PodName,
    string? JobId,
    string? TelemetryUrl,
    long Step,
    long TotalSteps,
    double Tokens,
    double Loss,
    double TokensPerSecond,
    double StepSeconds,
    long LastCheckpointStep,
    DateTimeOffset Timestamp,
    string? TelemetryToken = null);

/// <summary>Receives the telemetry of simulated rank-0 pods; the host wires it to the control plane's telemetry endpoint.</summary>
public interface ISimulatedTelemetrySink
{
    ValueTask ReportAsync(SimulatedTelemetry sample, CancellationToken cancellationToken);
}
