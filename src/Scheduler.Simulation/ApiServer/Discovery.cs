using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// The discovery documents kubectl reads before it touches a resource: /version, /api, /apis, the APIResourceList of
/// every group version, and OpenAPI v3 (root and per group version). The OpenAPI documents carry the CRD schemas and
/// advertise <c>fieldValidation</c> on PATCH, which tells kubectl to leave validation to the server.
/// </summary>
internal static class Discovery
{
    public const string KubernetesVersion = "v1.32.0";

    private static readonly string[] AllVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] SubresourceVerbs = ["get", "patch", "update"];

    public static JsonObject Version() => new()
    {
        ["major"] = "1",
        ["minor"] = "32",
        ["gitVersion"] = KubernetesVersion + "-gpu-scheduler-fake",
        ["gitCommit"] = "0000000000000000000000000000000000000000",
        ["gitTreeState"] = "clean",
        ["buildDate"] = "2026-01-01T00:00:00Z",
        ["goVersion"] = "dotnet",
        ["compiler"] = "dotnet",
        ["platform"] = "linux/amd64",
    };

    public static JsonObject CoreVersions(string serverAddress) => new()
    {
        ["kind"] = "APIVersions",
        ["versions"] = new JsonArray("v1"),
        ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = serverAddress }),
    };

    public static JsonObject Groups(ApiResources resources) => new()
    {
        ["kind"] = "APIGroupList",
        ["apiVersion"] = "v1",
        ["groups"] = new JsonArray([.. resources.All.Where(r => r.Group.Length > 0).GroupBy(r => r.Group).Select(g => (JsonNode)Group(g.Key, g.First().Version))]),
    };

    public static JsonObject Group(string group, string version)
    {
        var groupVersion = new JsonObject { ["groupVersion"] = $"{group}/{version}", ["version"] = version };
        return new JsonObject
        {
            ["kind"] = "APIGroup",
            ["apiVersion"] = "v1",
            ["name"] = group,
            ["versions"] = new JsonArray(groupVersion),
            ["preferredVersion"] = groupVersion.DeepClone(),
        };
    }

    public static JsonObject ResourceList(string groupVersion, IEnumerable<ApiResource> resources)
    {
        var list = new JsonArray();
        foreach (var r in resources)
        {
            list.Add(new JsonObject
            {
                ["name"] = r.Plural,
                ["singularName"] = r.Singular,
                ["namespaced"] = r.Namespaced,
                ["kind"] = r.Kind,
                ["verbs"] = new JsonArray([.. AllVerbs.Select(v => (JsonNode)v)]),
                ["shortNames"] = new JsonArray([.. r.ShortNames.Select(s => (JsonNode)s)]),
                ["categories"] = new JsonArray([.. r.Categories.Select(s => (JsonNode)s)]),
            });
            if (r.HasStatus)
            {
                list.Add(Subresource(r, "status", r.Kind, SubresourceVerbs));
            }

            if (r.HasBinding)
            {
                list.Add(Subresource(r, "binding", "Binding", ["create"]));
            }
        }

        return new JsonObject { ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = groupVersion, ["resources"] = list };
    }

    private static JsonObject Subresource(ApiResource r, string name, string kind, IEnumerable<string> verbs) => new()
    {
        ["name"] = $"{r.Plural}/{name}",
        ["singularName"] = string.Empty,
        ["namespaced"] = r.Namespaced,
        ["kind"] = kind,
        ["verbs"] = new JsonArray([.. verbs.Select(v => (JsonNode)v)]),
    };

    public static JsonObject OpenApiRoot(ApiResources resources) => new()
    {
        ["paths"] = new JsonObject(resources.ByGroupVersion.Select(g =>
        {
            var path = g.First().GroupVersionPath;
            return KeyValuePair.Create(path, (JsonNode?)new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{path}?hash=fake" });
        })),
    };

    /// <summary>The OpenAPI v3 document of one group version: paths with their PATCH parameters and the object schemas.</summary>
    public static JsonObject OpenApiDocument(IEnumerable<ApiResource> resources)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var r in resources)
        {
            var schemaName = SchemaName(r);
            var gvk = new JsonObject { ["group"] = r.Group, ["version"] = r.Version, ["kind"] = r.Kind };
            var schema = r.Schema?.DeepClone().AsObject() ?? new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true };
            schema["x-kubernetes-group-version-kind"] = new JsonArray(gvk.DeepClone());
            schemas[schemaName] = schema;

            var collection = "/" + r.GroupVersionPath + (r.Namespaced ? "/namespaces/{namespace}/" : "/") + r.Plural;
            paths[collection] = new JsonObject
            {
                ["get"] = Operation("list", gvk, schemaName, withBody: false),
                ["post"] = Operation("post", gvk, schemaName, withBody: true),
            };
            paths[collection + "/{name}"] = new JsonObject
            {
                ["get"] = Operation("get", gvk, schemaName, withBody: false),
                ["put"] = Operation("put", gvk, schemaName, withBody: true),
                ["patch"] = Operation("patch", gvk, schemaName, withBody: true),
                ["delete"] = Operation("delete", gvk, schemaName, withBody: false),
            };
            if (r.HasStatus)
            {
                paths[collection + "/{name}/status"] = new JsonObject
                {
                    ["get"] = Operation("get", gvk, schemaName, withBody: false),
                    ["put"] = Operation("put", gvk, schemaName, withBody: true),
                    ["patch"] = Operation("patch", gvk, schemaName, withBody: true),
                };
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (gpu-scheduler fake API server)", ["version"] = KubernetesVersion },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    /// <summary>Reverse-domain schema names, as the real server writes them (<c>io.gpu-scheduler.v1alpha1.TrainingJob</c>).</summary>
    private static string SchemaName(ApiResource r) => r.Group.Length == 0
        ? $"io.k8s.api.core.{r.Version}.{r.Kind}"
        : $"{string.Join('.', r.Group.Split('.').Reverse())}.{r.Version}.{r.Kind}";

    private static JsonObject Operation(string action, JsonObject gvk, string schemaName, bool withBody)
    {
        var reference = new JsonObject { ["$ref"] = $"#/components/schemas/{schemaName}" };
        var operation = new JsonObject
        {
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
            ["parameters"] = new JsonArray(
                Query("dryRun", "string"),
                Query("fieldManager", "string"),
                Query("fieldValidation", "string"),
                Query("pretty", "string")),
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject { ["description"] = "OK", ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = reference.DeepClone() } } },
            },
        };
        if (withBody)
        {
            // No strategic-merge-patch here: kubectl then computes a JSON merge patch, the form our server applies faithfully.
            var media = action == "patch"
                ? new[] { Patches.JsonPatch, Patches.MergePatch, Patches.ApplyPatch }
                : ["application/json"];
            operation["requestBody"] = new JsonObject
            {
                ["content"] = new JsonObject(media.Select(m => KeyValuePair.Create(m, (JsonNode?)new JsonObject { ["schema"] = reference.DeepClone() }))),
            };
        }

        return operation;
    }

    private static JsonObject Query(string name, string type) => new()
    {
        ["name"] = name,
        ["in"] = "query",
        ["schema"] = new JsonObject { ["type"] = type, ["uniqueItems"] = true },
    };
}
