namespace Scheduler.Application.Common;

public enum FailureKind
{
    /// <summary>The request breaks a rule (400).</summary>
    Invalid,
    NotFound,
    /// <summary>The request clashes with the current state of what it names (409).</summary>
    Conflict,
    /// <summary>Well-formed, but cannot be honoured as asked (422), such as an idempotency key reused for another spec.</summary>
    Unprocessable,
    /// <summary>A configured limit on what may pile up is reached (429); the error names the limit.</summary>
    TooMany,
}

/// <summary>
/// An expected, explainable refusal: what kind, and which fields, each with the rules it broke; <paramref name="Extensions"/>
/// are further members of the problem document (the estimate of a job that does not fit).
/// </summary>
public sealed record Failure(FailureKind Kind, string Title, IReadOnlyDictionary<string, string[]> Errors, IReadOnlyDictionary<string, object?>? Extensions = null)
{
    public static Failure Invalid(string field, string message) => new(FailureKind.Invalid, "The request is not valid.", One(field, message));

    public static Failure NotFound(string field, string message) => new(FailureKind.NotFound, "Not found.", One(field, message));

    public static Failure Conflict(string field, string message) => new(FailureKind.Conflict, "Conflict with the current state.", One(field, message));

    public static Failure Unprocessable(string field, string message) => new(FailureKind.Unprocessable, "The request cannot be honoured.", One(field, message));

    public static Failure TooMany(string limit, string message) => new(FailureKind.TooMany, "A configured limit is reached.", One(limit, message));

    private static Dictionary<string, string[]> One(string field, string message) => new(StringComparer.Ordinal) { [field] = [message] };
}
