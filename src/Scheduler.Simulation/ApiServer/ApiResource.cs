using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>A column of <c>kubectl get</c>: a JSON path into the object (CRD printer columns) or a computed cell.</summary>
internal sealed record PrinterColumn(string Name, string Type, string? JsonPath, int Priority = 0, Func<JsonObject, DateTimeOffset, JsonNode?>? Compute = null, string? Format = null);

/// <summary>Answers the fields a create or update breaks (422); empty when the object is acceptable.</summary>
internal delegate IReadOnlyList<StatusCause> ObjectValidator(JsonObject obj, bool strictFields);

/// <summary>One kind of object the fake API server stores, and how it behaves.</summary>
internal sealed record ApiResource
{
    /// <summary>Empty for the core group.</summary>
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Kind { get; init; }

    public required string Plural { get; init; }

    public required bool Namespaced { get; init; }

    public string Singular => Kind.ToLowerInvariant();

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    /// <summary>With a status subresource, writes to the main resource keep the stored status and /status writes keep the rest.</summary>
    public bool HasStatus { get; init; }

    /// <summary>Pods: deletion is graceful (deletionTimestamp + grace period) once bound to a node.</summary>
    public bool GracefulDeletion { get; init; }

    /// <summary>Pods: the binding subresource sets spec.nodeName.</summary>
    public bool HasBinding { get; init; }

    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];

    public ObjectValidator? Validate { get; init; }

    /// <summary>Fills server-side defaults on create (a new pod's Pending status).</summary>
    public Action<JsonObject>? OnCreate { get; init; }

    /// <summary>The OpenAPI v3 schema of the object, served under /openapi/v3 (CRDs carry theirs).</summary>
    public JsonObject? Schema { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string GroupVersionPath => Group.Length == 0 ? $"api/{Version}" : $"apis/{Group}/{Version}";

    /// <summary>How errors name the resource: <c>pods</c>, <c>trainingjobs.gpu-scheduler.io</c>.</summary>
    public string QualifiedPlural => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    public string ListKind => Kind + "List";
}
