using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;
using Scheduler.Application.Common;
using Scheduler.Domain.Specs;

namespace Scheduler.Api.Http;

/// <summary>
/// Turns refused input into 4xx problem+json naming the field: validation failures, and the binding failures of minimal
/// APIs (JSON syntax and type errors, unknown members, missing body, wrong content type, oversized body). Anything else
/// is left to the default handler (500), except PostgreSQL being unreachable: 503 with <c>Retry-After</c> (docs/api.md, "Database outage").
/// </summary>
internal sealed partial class ApiExceptionHandler(IProblemDetailsService problems, IOptions<RequestLimits> limits) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var details = exception switch
        {
            RequestValidationException invalid =>
                Problems.Details(StatusCodes.Status400BadRequest, "The request is not valid.", invalid.ErrorsByField()),
            BadHttpRequestException bad => Describe(bad),
            // A safety net behind the validators: arithmetic on numbers a client sent (overflow, a zero divisor) is the
            // client's input the rules failed to bound, so 422 naming the body, not a 500. Tests generate inputs to keep it unused.
            ArithmeticException when HttpMethods.IsPost(httpContext.Request.Method) || HttpMethods.IsPut(httpContext.Request.Method) =>
                Problems.Details(StatusCodes.Status422UnprocessableEntity, "The request cannot be honoured.",
                    new Dictionary<string, string[]> { ["$"] = ["holds numbers too large to compute with; choose smaller values"] }),
            _ when DatabaseOutage.Is(exception) => Unavailable(httpContext),
            _ => null,
        };
        if (details is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = details.Status!.Value;
        if (!await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = details, Exception = exception }))
        {
            // The service writes only for clients that accept JSON; one that asked for text/html still gets the problem, not an empty 400.
            await TypedResults.Problem(details).ExecuteAsync(httpContext);
        }

        return true;
    }

    // The write, if any, was not acknowledged: it either committed whole before the connection broke or not at all
    // (one transaction per command), so a retry with the same Idempotency-Key is safe.
    private static HttpValidationProblemDetails Unavailable(HttpContext httpContext)
    {
        httpContext.Response.Headers.RetryAfter = DatabaseOutage.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problems.Details(StatusCodes.Status503ServiceUnavailable, "The database is unavailable; retry later.",
            new Dictionary<string, string[]> { ["database"] = [$"does not answer; the request was not acknowledged: retry after {DatabaseOutage.RetryAfterSeconds} s (a submission with the same Idempotency-Key, so that it applies at most once)"] });
    }

    private HttpValidationProblemDetails Describe(BadHttpRequestException bad)
    {
        var (field, message) = bad switch
        {
            { InnerException: JsonException json } => Field(JobSpecJson.DescribeJsonError(json)),
            { StatusCode: StatusCodes.Status413PayloadTooLarge } => ("body", RequestBodyLimitMiddleware.TooLarge(limits.Value.MaxRequestBodyBytes)),
            { StatusCode: StatusCodes.Status415UnsupportedMediaType } => ("Content-Type", "must be application/json"),
            _ when BindFailure().Match(bad.Message) is { Success: true } m => (m.Groups["name"].Value, $"cannot be read from '{m.Groups["value"].Value}'"),
            _ when bad.Message.Contains("was not provided from body", StringComparison.Ordinal)
                || bad.Message.Contains("no body was provided", StringComparison.Ordinal) => ("body", "is required: a JSON object"),
            _ => ("request", bad.Message),
        };
        var status = bad.StatusCode is >= 400 and < 500 ? bad.StatusCode : StatusCodes.Status400BadRequest;
        return Problems.Details(status, "The request is not valid.", new Dictionary<string, string[]> { [field] = [message] });
    }

    private static (string Field, string Message) Field(Domain.Validation.FieldError error) => (error.Field, error.Message);

    // ASP.NET Core's wording: Failed to bind parameter "int limit" from "abc".
    [GeneratedRegex(""""Failed to bind parameter "[^"]*?(?<name>\w+)" from "(?<value>[^"]*)"."""", RegexOptions.CultureInvariant)]
    private static partial Regex BindFailure();
}
