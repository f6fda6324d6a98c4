using Scheduler.Domain.Validation;

namespace Scheduler.Application.Common;

/// <summary>Thrown by <see cref="ValidationBehavior{TMessage, TResponse}"/> before a handler sees an invalid message.</summary>
public sealed class RequestValidationException : Exception
{
    public RequestValidationException()
        : this([])
    {
    }

    public RequestValidationException(string message)
        : base(message)
    {
        Errors = [];
    }

    public RequestValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [];
    }

    public RequestValidationException(IReadOnlyList<FieldError> errors)
        : base("The request is not valid: " + string.Join("; ", (errors ?? []).Select(e => $"{e.Field} {e.Message}")))
    {
        Errors = errors ?? [];
    }

    public IReadOnlyList<FieldError> Errors { get; }

    /// <summary>The errors grouped by field, the shape of a problem document's <c>errors</c> member.</summary>
    public IReadOnlyDictionary<string, string[]> ErrorsByField() =>
        Errors.GroupBy(e => e.Field, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray(), StringComparer.Ordinal);
}
