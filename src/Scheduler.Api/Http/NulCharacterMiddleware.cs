using Scheduler.Domain.Specs;

namespace Scheduler.Api.Http;

/// <summary>
/// A NUL (U+0000, sent as <c>%00</c>) in the path or a query parameter is refused with 400 naming it, before any handler
/// passes it to PostgreSQL, which cannot store or compare it (the query would fail as a 500). JSON bodies are checked
/// string by string by <see cref="NulFreeStringConverter"/>.
/// </summary>
internal sealed class NulCharacterMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.Value?.Contains('\0', StringComparison.Ordinal) == true)
        {
            return Problems.Invalid("path", NulFreeStringConverter.Rule).ExecuteAsync(context);
        }

        foreach (var (name, values) in request.Query)
        {
            if (name.Contains('\0', StringComparison.Ordinal) || values.Any(v => v?.Contains('\0', StringComparison.Ordinal) == true))
            {
                return Problems.Invalid(name.Replace("\0", string.Empty, StringComparison.Ordinal), NulFreeStringConverter.Rule).ExecuteAsync(context);
            }
        }

        return next(context);
    }
}
