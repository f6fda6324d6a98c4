using Microsoft.Net.Http.Headers;

namespace Scheduler.Api.Http;

/// <summary>
/// JSON is UTF-8 (RFC 8259): a body declared in another or an unknown charset is refused with 415 naming
/// <c>Content-Type</c>. Left to the JSON reader, an unknown charset (<c>charset=nope</c>) threw and answered 500.
/// </summary>
internal sealed class JsonCharsetMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var contentType = context.Request.ContentType;
        if (contentType is not null && MediaTypeHeaderValue.TryParse(contentType, out var media)
            && media.Charset is { Length: > 0 } charset && !IsUtf8(charset.Value!))
        {
            throw new BadHttpRequestException($"charset '{charset}' is not UTF-8", StatusCodes.Status415UnsupportedMediaType);
        }

        return next(context);
    }

    private static bool IsUtf8(string charset) =>
        charset.Trim('"').Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Trim('"').Equals("utf8", StringComparison.OrdinalIgnoreCase);
}
