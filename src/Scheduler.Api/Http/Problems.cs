using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Scheduler.Application.Common;

namespace Scheduler.Api.Http;

/// <summary>Every error answer is RFC 7807 problem+json with an <c>errors</c> map of field → messages.</summary>
internal static class Problems
{
    public static ProblemHttpResult ToProblem(this Failure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var status = failure.Kind switch
        {
            FailureKind.NotFound => StatusCodes.Status404NotFound,
            FailureKind.Conflict => StatusCodes.Status409Conflict,
            FailureKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
            FailureKind.TooMany => StatusCodes.Status429TooManyRequests,
            _ => StatusCodes.Status400BadRequest,
        };
        var details = Details(status, failure.Title, failure.Errors);
        foreach (var (name, value) in failure.Extensions ?? new Dictionary<string, object?>())
        {
            details.Extensions[name] = value;
        }

        return TypedResults.Problem(details);
    }

    public static Results<Ok<T>, ProblemHttpResult> ToOkOrProblem<T>(this Result<T> result) =>
        result.IsSuccess ? TypedResults.Ok(result.Value) : result.Failure.ToProblem();

    public static ProblemHttpResult Invalid(string field, string message) =>
        Create(StatusCodes.Status400BadRequest, "The request is not valid.", new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Create(int status, string title, IReadOnlyDictionary<string, string[]> errors) =>
        TypedResults.Problem(Details(status, title, errors));

    /// <summary>403 naming the permission the caller lacks (docs/security.md lists who holds which).</summary>
    public static ProblemHttpResult Forbidden(string permission, string detail) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = StatusCodes.Status403Forbidden,
            Title = "Forbidden.",
            Detail = detail,
            Extensions = { ["permission"] = permission },
        });

    /// <summary>Writes a problem document outside an endpoint (authentication challenges, authorization failures).</summary>
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail, string? permission = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        var details = new ProblemDetails { Status = status, Title = title, Detail = detail };
        if (permission is not null)
        {
            details.Extensions["permission"] = permission;
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = details });
    }

    public static HttpValidationProblemDetails Details(int status, string title, IReadOnlyDictionary<string, string[]> errors) =>
        new(errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal))
        {
            Status = status,
            Title = title,
            Detail = string.Join("; ", errors.SelectMany(e => e.Value.Select(message => $"{e.Key} {message}"))),
        };
}
