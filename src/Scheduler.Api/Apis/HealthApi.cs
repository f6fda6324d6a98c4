using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Scheduler.Api.Hosting;

namespace Scheduler.Api.Apis;

internal static class HealthApi
{
    /// <summary><c>/healthz</c>: the process is up (no checks run). <c>/readyz</c>: the database is reachable.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        // Open: probes carry no credentials.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(DatabaseHealthCheck.ReadyTag) }).AllowAnonymous();
        return app;
    }
}
