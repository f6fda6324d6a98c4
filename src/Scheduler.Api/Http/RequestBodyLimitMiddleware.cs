using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Scheduler.Api.Http;

/// <summary>
/// Refuses bodies over <see cref="RequestLimits.MaxRequestBodyBytes"/> with 413: at once when Content-Length says so,
/// and through the server's own limit for chunked bodies (Kestrel then fails the read with a 413 that the exception handler explains).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestLimits> limits)
{
    private readonly long _limit = limits.Value.MaxRequestBodyBytes;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.ContentLength > _limit)
        {
            throw new BadHttpRequestException(TooLarge(_limit), StatusCodes.Status413PayloadTooLarge);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
        {
            feature.MaxRequestBodySize = _limit;
        }

        return next(context);
    }

    public static string TooLarge(long limit) => $"must be at most {limit} bytes";
}
