namespace Scheduler.Simulation.ApiServer;

/// <summary>The query parameters that change how a write behaves.</summary>
internal sealed record RequestOptions(bool DryRun = false, bool StrictFields = false)
{
    public static RequestOptions Default { get; } = new();
}

/// <summary>DeleteOptions from the body or the query string.</summary>
internal sealed record DeleteRequest(long? GracePeriodSeconds = null, string? PreconditionUid = null, string? PreconditionResourceVersion = null, bool DryRun = false);
