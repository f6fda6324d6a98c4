using System.Net;
using k8s;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Scheduler.Kubernetes.Clients;

/// <summary>
/// A handler in the client's pipeline that gives every API call but a watch a timeout per attempt and retries transient
/// failures (5xx, 429, 408, a timeout, a refused connection) with exponential backoff and jitter, bounded by
/// <see cref="ApiRequestOptions"/>; Polly.Core carries the strategy. Refusals (400, 403, 404, 409, 422) are answered at once:
/// retrying cannot change them. A retried create that had reached the server answers 409 AlreadyExists, which callers that
/// create by deterministic name already treat as done.
/// </summary>
public sealed class ApiRequestResilience : DelegatingHandler
{
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;

    public ApiRequestResilience(ApiRequestOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time ?? TimeProvider.System };
        if (options.Retries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.Retries,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // A 429 or 503 that says when to come back is believed, within the bound.
                DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.Headers.RetryAfter?.Delta is { } after
                    ? (TimeSpan?)(after < options.MaxRetryDelay ? after : options.MaxRetryDelay)
                    : null),
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    args.Outcome.Result?.Dispose(); // the failed answer is not returned: free its connection
                    return ValueTask.CompletedTask;
                },
            });
        }

        _pipeline = builder.AddTimeout(options.Timeout).Build();
    }

    /// <summary>A client on <paramref name="configuration"/> whose calls go through this handler, with its overall timeout set to match.</summary>
    public static IKubernetes Client(KubernetesClientConfiguration configuration, ApiRequestOptions options)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        configuration.HttpClientTimeout = options.Overall;
        return new k8s.Kubernetes(configuration, new ApiRequestResilience(options));
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (IsWatch(request))
        {
            return await base.SendAsync(request, cancellationToken);
        }

        return await _pipeline.ExecuteAsync(async (token) => await base.SendAsync(request, token), cancellationToken);
    }

    /// <summary>A watch (<c>watch=true</c>) streams for minutes: neither timed out here nor retried (the watcher resumes it).</summary>
    private static bool IsWatch(HttpRequestMessage request) =>
        request.RequestUri?.Query.Split('?', '&').Any(p => p.Equals("watch=true", StringComparison.OrdinalIgnoreCase) || p.Equals("watch=1", StringComparison.Ordinal)) == true;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken cancellationToken) => outcome switch
    {
        { Exception: TimeoutRejectedException or HttpRequestException } => true,
        // Our own cancellation is not transient; a timeout inside the client surfaces as a cancellation it did not ask for.
        { Exception: OperationCanceledException } => !cancellationToken.IsCancellationRequested,
        { Result: { } response } => response.StatusCode is HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable
            or HttpStatusCode.GatewayTimeout or HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        _ => false,
    };
}
