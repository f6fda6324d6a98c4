using System.Net.Http.Headers;
using System.Net.Http.Json;
using Scheduler.Domain.Workloads;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// Posts each sample to the pod's <c>SCHEDULER_TELEMETRY_URL</c> with the trainer's telemetry body (<see cref="TelemetrySample"/>), as the
/// bundled trainer would, with the pod's <c>SCHEDULER_TELEMETRY_TOKEN</c> as its bearer token; samples of pods without the URL are dropped.
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

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sample.TelemetryUrl))
        {
            Content = JsonContent.Create(sample.Body, options: TelemetrySample.Json),
        };
        if (!string.IsNullOrEmpty(sample.TelemetryToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sample.TelemetryToken);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
