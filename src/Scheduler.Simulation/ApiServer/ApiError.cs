using System.Net;
using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>One field a 422 answer names, as <c>details.causes</c> carries it.</summary>
internal sealed record StatusCause(string Field, string Message, string Reason = "FieldValueInvalid");

/// <summary>A failed request, answered with a Kubernetes <c>Status</c> object of the same code and reason.</summary>
internal sealed class ApiError : Exception
{
    public ApiError(HttpStatusCode code, string reason, string message, ApiResource? resource = null, string? name = null, IReadOnlyList<StatusCause>? causes = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Resource = resource;
        Name = name;
        Causes = causes ?? [];
    }

    public HttpStatusCode Code { get; }

    public string Reason { get; }

    public ApiResource? Resource { get; }

    public string? Name { get; }

    public IReadOnlyList<StatusCause> Causes { get; }

    public static ApiError NotFound(ApiResource resource, string name) =>
        new(HttpStatusCode.NotFound, "NotFound", $"{resource.QualifiedPlural} \"{name}\" not found", resource, name);

    public static ApiError AlreadyExists(ApiResource resource, string name) =>
        new(HttpStatusCode.Conflict, "AlreadyExists", $"{resource.QualifiedPlural} \"{name}\" already exists", resource, name);

    public static ApiError Conflict(ApiResource resource, string name, string why) =>
        new(HttpStatusCode.Conflict, "Conflict", $"Operation cannot be fulfilled on {resource.QualifiedPlural} \"{name}\": {why}", resource, name);

    public static ApiError StaleResourceVersion(ApiResource resource, string name) =>
        Conflict(resource, name, "the object has been modified; please apply your changes to the latest version and try again");

    public static ApiError Invalid(ApiResource resource, string name, IReadOnlyList<StatusCause> causes)
    {
        var kind = resource.Group.Length == 0 ? resource.Kind : $"{resource.Kind}.{resource.Group}";
        var detail = causes.Count == 1 ? Describe(causes[0]) : "[" + string.Join(", ", causes.Select(Describe)) + "]";
        return new((HttpStatusCode)422, "Invalid", $"{kind} \"{name}\" is invalid: {detail}", resource, name, causes);
    }

    public static ApiError BadRequest(string message) => new(HttpStatusCode.BadRequest, "BadRequest", message);

    public static ApiError Gone(string message) => new(HttpStatusCode.Gone, "Expired", message);

    public static ApiError MethodNotAllowed(string message) => new(HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", message);

    public static ApiError UnsupportedMediaType(string contentType) =>
        new(HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got {contentType})");

    private static string Describe(StatusCause cause) => $"{cause.Field}: {cause.Message}";

    /// <summary>The <c>Status</c> object of this error.</summary>
    public JsonObject ToStatus()
    {
        var details = new JsonObject();
        if (Name is not null)
        {
            details["name"] = Name;
        }

        if (Resource is not null)
        {
            details["group"] = Resource.Group;
            details["kind"] = Resource.Plural;
        }

        if (Causes.Count > 0)
        {
            details["causes"] = new JsonArray([.. Causes.Select(c => (JsonNode)new JsonObject
            {
                ["reason"] = c.Reason,
                ["message"] = c.Message,
                ["field"] = c.Field,
            })]);
        }

        return StatusObject("Failure", Message, Reason, (int)Code, details);
    }

    public static JsonObject StatusObject(string status, string? message, string? reason, int code, JsonObject? details = null)
    {
        var obj = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = status };
        if (message is not null)
        {
            obj["message"] = message;
        }

        if (reason is not null)
        {
            obj["reason"] = reason;
        }

        if (details is { Count: > 0 })
        {
            obj["details"] = details;
        }

        obj["code"] = code;
        return obj;
    }
}
