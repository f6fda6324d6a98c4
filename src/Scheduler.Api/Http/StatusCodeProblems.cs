using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Scheduler.Api.Http;

/// <summary>
/// Bodiless error answers the framework writes itself (no route 404, 405, a 415 for a non-JSON body, Kestrel's 413 for an
/// oversized chunked body) get the same problem+json shape as ours, with the offending part of the request named.
/// </summary>
internal static class StatusCodeProblems
{
    public static async Task WriteAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var limit = http.RequestServices.GetRequiredService<IOptions<RequestLimits>>().Value.MaxRequestBodyBytes;
        var (field, message) = http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => ("path", $"no endpoint answers {http.Request.Path}"),
            StatusCodes.Status405MethodNotAllowed => ("method", $"{http.Request.Method} is not allowed on {http.Request.Path}"),
            StatusCodes.Status413PayloadTooLarge => ("body", RequestBodyLimitMiddleware.TooLarge(limit)),
            StatusCodes.Status415UnsupportedMediaType => ("Content-Type", "must be application/json"),
            var status => ("request", $"answered {status}"),
        };
        var details = Problems.Details(http.Response.StatusCode, "The request cannot be served.", new Dictionary<string, string[]> { [field] = [message] });
        if (!await http.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = details }))
        {
            // Whatever the Accept header says (text/html): the answer is still the problem document.
            await TypedResults.Problem(details).ExecuteAsync(http);
        }
    }
}
