using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>What an admission step answers when it refuses a create: the HTTP code (403, 404, 422…), the <c>Status</c> reason and message.</summary>
public sealed record AdmissionRefusal(int Code, string Reason, string Message)
{
    /// <summary>A quota admission webhook's answer (403 Forbidden), as a ResourceQuota or a policy webhook refuses a pod.</summary>
    public static AdmissionRefusal Forbidden(string kind, string name, string why) =>
        new(403, "Forbidden", $"{kind.ToLowerInvariant()}s \"{name}\" is forbidden: {why}");

    /// <summary>The namespace of the object does not exist (404 NotFound).</summary>
    public static AdmissionRefusal NamespaceNotFound(string @namespace) =>
        new(404, "NotFound", $"namespaces \"{@namespace}\" not found");

    /// <summary>A field the server will not take (422 Invalid).</summary>
    public static AdmissionRefusal Invalid(string kind, string name, string field, string why) =>
        new(422, "Invalid", $"{kind} \"{name}\" is invalid: {field}: {why}");
}

/// <summary>
/// Looks at an object about to be created (its kind, namespace and JSON, after validation) and refuses it, or answers null to
/// let it through: the fake's stand-in for admission webhooks, ResourceQuota and namespace lifecycle, which tests configure.
/// </summary>
public delegate AdmissionRefusal? AdmissionHook(string kind, string? @namespace, JsonObject obj);
