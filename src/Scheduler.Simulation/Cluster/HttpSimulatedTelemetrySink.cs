using System.Net.Http.Json;
using Scheduler.Domain.Workloads;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// Posts each sample to the pod's <c>SCHEDULER_TELEMETRY_URL</c> with the trainer's telemetry body (<see cref="TelemetrySample"/>), as the
/// bundled trainer would; samples of pods without the variable are dropped.
/// </summary>
public sealed class HttpSimulatedTelemetrySink(HttpClient http) : ISimulatedTelemetrySink
{
    public async ValueTask ReportAsync(SimulatedTelemetry sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (string.IsNullOrEmpty(sample.TelemetryUrl))
        {
            return;
        }

        using var response = await http.PostAsJsonAsync(new Uri(sample.TelemetryUrl), sample.Body, TelemetrySample.Json, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
