using System.Threading.RateLimiting;

namespace Scheduler.Operator.Pods;

/// <summary>
/// The operator's client-side limit on its API calls, as kube-scheduler's <c>--kube-api-qps</c> and <c>--kube-api-burst</c>: a token
/// bucket of <c>Scheduler:Kubernetes:ApiBurst</c> tokens refilled at <c>ApiQps</c> per second; a call waits for a token.
/// </summary>
public sealed class ApiRateLimit : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter;

    public ApiRateLimit(double queriesPerSecond, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queriesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        // Refilled every 10 ms (or each token's worth when slower), so waiting calls go out evenly, not in once-a-second bursts.
        var period = TimeSpan.FromSeconds(Math.Max(0.01, 1 / queriesPerSecond));
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(queriesPerSecond * period.TotalSeconds)),
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    /// <summary>Waits for one call's token.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        if (!lease.IsAcquired)
        {
            throw new InvalidOperationException("The API rate limiter refused a call it should have queued.");
        }
    }

    public void Dispose() => _limiter.Dispose();
}
