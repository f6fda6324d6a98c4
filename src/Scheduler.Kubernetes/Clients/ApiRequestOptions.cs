namespace Scheduler.Kubernetes.Clients;

/// <summary>
/// Bounds on each API server call (<c>Scheduler:Kubernetes:Requests</c>): a timeout per attempt, and bounded retries of
/// transient failures (5xx, 429, 408, a timeout, no connection) with exponential backoff and jitter. Watches are exempt:
/// they are long by design and the watcher has its own backoff.
/// </summary>
public sealed class ApiRequestOptions
{
    /// <summary>How long one attempt may take before it is abandoned (and retried).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Retries after the first attempt; 0 turns retrying off.</summary>
    public int Retries { get; set; } = 3;

    /// <summary>The wait before the first retry; each later one doubles it, with jitter, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The most one call can take with every retry: the client's own overall timeout.</summary>
    public TimeSpan Overall => (Timeout * (Retries + 1)) + (MaxRetryDelay * Retries);
}
