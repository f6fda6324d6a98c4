using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// Posts each sample to the pod's <c>SCHEDULER_TELEMETRY_URL</c> with the trainer's telemetry body (DESIGN.md), as the
/// bundled trainer would, with the pod's <c>SCHEDULER_TELEMETRY_TOKEN</c> as its bearer token; samples of pods without the URL are dropped.
/// </summary>
public sealed class HttpTelemetrySink(HttpClient http) : ISimulatedTelemetrySink
{
    public async ValueTask ReportAsync(SimulatedTelemetry sample, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sample);
        if (string.IsNullOrEmpty(sample.TelemetryUrl))
        {
            return;
        }

        var body = new
        {
            step = sample.Step,
            tokens = sample.Tokens,
            loss = sample.Loss,
            tokensPerSecond = sample.TokensPerSecond,
            stepSeconds = sample.StepSeconds,
            lastCheckpointStep = sample.LastCheckpointStep,
            timestamp = sample.Timestamp,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(sample.TelemetryUrl)) { Content = JsonContent.Create(body) };
        if (!string.IsNullOrEmpty(sample.TelemetryToken))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", sample.TelemetryToken);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
