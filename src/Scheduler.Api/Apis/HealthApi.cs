using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scheduler.Api.Hosting;

namespace Scheduler.Api.Apis;

internal static class HealthApi
{
    /// <summary>
    /// <c>/healthz</c>: the process is up (no checks run). <c>/readyz</c>: the process serves; 200 with <c>Healthy</c>, or with
    /// <c>Degraded</c> while PostgreSQL is away (its requests then answer 503 + Retry-After), so that a database outage does
    /// not take every replica out of the Service at once (<see cref="DatabaseHealthCheck"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        // Open: probes carry no credentials.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(DatabaseHealthCheck.ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        }).AllowAnonymous();
        return app;
    }
}
