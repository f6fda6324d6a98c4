using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scheduler.Persistence;

namespace Scheduler.Api.Hosting;

/// <summary>Ready when PostgreSQL answers.</summary>
internal sealed class DatabaseHealthCheck(SchedulerDbContext db) : IHealthCheck
{
    public const string ReadyTag = "ready";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        await db.Database.CanConnectAsync(cancellationToken)
            ? HealthCheckResult.Healthy("PostgreSQL answers.")
            : HealthCheckResult.Unhealthy("PostgreSQL does not answer.");
}
