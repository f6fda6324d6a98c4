namespace Scheduler.Domain.Validation;

/// <summary>One broken rule: the JSON path of the field (<c>resources.gpus</c>) and what the rule demands.</summary>
public sealed record FieldError(string Field, string Message);
