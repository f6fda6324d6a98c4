using Microsoft.Extensions.Diagnostics.HealthChecks;
using Scheduler.Persistence;

namespace Scheduler.Api.Hosting;

/// <summary>
/// PostgreSQL's state for <c>/readyz</c>: Healthy when it answers, Degraded (not Unhealthy) when it does not. Every replica
/// shares the one database, so an outage would take every replica out of the Service at once and turn the API's 503 +
/// <c>Retry-After</c> answers into refused connections; a replica stays ready and says the database is away (docs/api.md, "Database outage").
/// </summary>
internal sealed class DatabaseHealthCheck(SchedulerDbContext db) : IHealthCheck
{
    public const string ReadyTag = "ready";

    // A probe answers within the kubelet's timeout even when the database host drops packets (Npgsql waits 15 s to connect).
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        bool answers;
        try
        {
            answers = await db.Database.CanConnectAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            answers = false;
        }

        return answers
            ? HealthCheckResult.Healthy("PostgreSQL answers.")
            : HealthCheckResult.Degraded("PostgreSQL does not answer: requests that need it are answered 503 with Retry-After.");
    }
}
