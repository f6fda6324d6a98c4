using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;


namespace Scheduler.Simulation.ApiServer;

/// <summary>The resources the fake API server serves: the core objects the operator uses, Leases, and our CRDs.</summary>
internal sealed class ApiResources
{
    public ApiResources(GpuCatalog catalog, PriorityClasses priorities)
    {
        var validation = new CustomResourceValidation(catalog, priorities);
        Nodes = new ApiResource
        {
            Group = string.Empty, Version = "v1", Kind = "Node", Plural = "nodes", Namespaced = false, ShortNames = ["no"], HasStatus = true,
            Columns =
            [
                new("Status", "string", null, Compute: (o, _) => NodeStatus(o)),
                new("GPUs", "string", null, Compute: (o, _) => Allocatable(o, "nvidia.com/gpu")),
                new("Product", "string", null, Compute: (o, _) => Label(o, "nvidia.com/gpu.product")),
                new("Age", "date", "metadata.creationTimestamp"),
                new("Version", "string", "status.nodeInfo.kubeletVersion", Priority: 1),
            ],
        };
        Pods = new ApiResource
        {
            Group = string.Empty, Version = "v1", Kind = "Pod", Plural = "pods", Namespaced = true, ShortNames = ["po"], Categories = ["all"],
            HasStatus = true, GracefulDeletion = true, HasBinding = true, OnCreate = DefaultPod,
            Columns =
            [
                new("Ready", "string", null, Compute: (o, _) => PodReady(o)),
                new("Status", "string", null, Compute: (o, _) => PodStatus(o)),
                new("Restarts", "integer", null, Compute: (o, _) => (o["status"]?["containerStatuses"] as JsonArray)?.Sum(c => (int?)JsonPaths.Long(c?["restartCount"]) ?? 0) ?? 0),
                new("Age", "date", "metadata.creationTimestamp"),
                new("Node", "string", "spec.nodeName", Priority: 1),
            ],
        };
        Services = new ApiResource { Group = string.Empty, Version = "v1", Kind = "Service", Plural = "services", Namespaced = true, ShortNames = ["svc"], Categories = ["all"], HasStatus = true };
        Events = new ApiResource { Group = string.Empty, Version = "v1", Kind = "Event", Plural = "events", Namespaced = true, ShortNames = ["ev"] };
        Namespaces = new ApiResource
        {
            Group = string.Empty, Version = "v1", Kind = "Namespace", Plural = "namespaces", Namespaced = false, ShortNames = ["ns"], HasStatus = true,
            OnCreate = LabelNamespaceWithItsName,
        };
        ResourceQuotas = new ApiResource
        {
            Group = string.Empty, Version = "v1", Kind = "ResourceQuota", Plural = "resourcequotas", Namespaced = true, ShortNames = ["quota"], HasStatus = true,
        };
        Leases = new ApiResource { Group = "coordination.k8s.io", Version = "v1", Kind = "Lease", Plural = "leases", Namespaced = true };
        CustomResourceDefinitions = new ApiResource
        {
            Group = "apiextensions.k8s.io", Version = "v1", Kind = "CustomResourceDefinition", Plural = "customresourcedefinitions", Namespaced = false,
            ShortNames = ["crd", "crds"], HasStatus = true,
        };
        TrainingJobs = FromDefinition(Kubernetes.Crds.CustomResourceDefinitions.All[0], validation.ValidateTrainingJob);
        GpuQueues = FromDefinition(Kubernetes.Crds.CustomResourceDefinitions.All[1], validation.ValidateGpuQueue);
        All = [Nodes, Pods, Services, Events, Namespaces, ResourceQuotas, Leases, CustomResourceDefinitions, TrainingJobs, GpuQueues];
    }

    public ApiResource Nodes { get; }

    public ApiResource Pods { get; }

    public ApiResource Services { get; }

    public ApiResource Events { get; }

    public ApiResource Namespaces { get; }

    /// <summary>Enforced on pod creation (<see cref="ResourceQuotaAdmission"/>).</summary>
    public ApiResource ResourceQuotas { get; }

    public ApiResource Leases { get; }

    public ApiResource CustomResourceDefinitions { get; }

    public ApiResource TrainingJobs { get; }

    public ApiResource GpuQueues { get; }

    public IReadOnlyList<ApiResource> All { get; }

    /// <summary>Group versions in discovery order: the core one first.</summary>
    public IEnumerable<IGrouping<string, ApiResource>> ByGroupVersion => All.GroupBy(r => r.ApiVersion);

    public ApiResource? Find(string group, string version, string plural) =>
        All.FirstOrDefault(r => r.Group == group && r.Version == version && r.Plural == plural);

    private static ApiResource FromDefinition(V1CustomResourceDefinition crd, ObjectValidator validate)
    {
        var version = crd.Spec.Versions[0];
        return new ApiResource
        {
            Group = crd.Spec.Group,
            Version = version.Name,
            Kind = crd.Spec.Names.Kind,
            Plural = crd.Spec.Names.Plural,
            Namespaced = crd.Spec.Scope == "Namespaced",
            ShortNames = [.. crd.Spec.Names.ShortNames ?? []],
            Categories = [.. crd.Spec.Names.Categories ?? []],
            HasStatus = version.Subresources?.Status is not null,
            Columns = [.. (version.AdditionalPrinterColumns ?? []).Select(c => new PrinterColumn(c.Name, c.Type, c.JsonPath, c.Priority ?? 0, Format: c.Format))],
            Validate = validate,
            Schema = JsonNode.Parse(KubernetesJson.Serialize(version.Schema.OpenAPIV3Schema))!.AsObject(),
        };
    }

    private static void DefaultPod(JsonObject pod)
    {
        var spec = JsonPaths.Child(pod, "spec");
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["schedulerName"] ??= "default-scheduler";
        var status = new JsonObject { ["phase"] = "Pending" };
        pod["status"] = status;
        if (spec["nodeName"]?.GetValue<string>() is { Length: > 0 })
        {
            ResourceOperations.SetCondition(status, "PodScheduled", "True", DateTimeOffset.UnixEpoch);
        }
    }

    /// <summary>As Kubernetes (1.21+) does: every namespace carries <c>kubernetes.io/metadata.name</c>, its own name, for selectors.</summary>
    private static void LabelNamespaceWithItsName(JsonObject ns)
    {
        var metadata = JsonPaths.Child(ns, "metadata");
        JsonPaths.Child(metadata, "labels")[QueueNamespaces.NameLabel] = metadata["name"]?.GetValue<string>();
    }

    private static string? Label(JsonObject obj, string key) => obj["metadata"]?["labels"]?[key]?.GetValue<string>();

    private static string? Allocatable(JsonObject node, string resource) => node["status"]?["allocatable"]?[resource]?.GetValue<string>();

    private static string NodeStatus(JsonObject node)
    {
        var ready = (node["status"]?["conditions"] as JsonArray)?.OfType<JsonObject>()
            .Any(c => c["type"]?.GetValue<string>() == "Ready" && c["status"]?.GetValue<string>() == "True") == true;
        var cordoned = JsonPaths.Bool(node["spec"]?["unschedulable"]) == true;
        return (ready ? "Ready" : "NotReady") + (cordoned ? ",SchedulingDisabled" : string.Empty);
    }

    private static string PodReady(JsonObject pod)
    {
        var total = (pod["spec"]?["containers"] as JsonArray)?.Count ?? 0;
        var ready = (pod["status"]?["containerStatuses"] as JsonArray)?.Count(c => JsonPaths.Bool(c?["ready"]) == true) ?? 0;
        return $"{ready}/{total}";
    }

    private static string PodStatus(JsonObject pod)
    {
        if (pod["metadata"]?["deletionTimestamp"] is not null)
        {
            return "Terminating";
        }

        var terminated = (pod["status"]?["containerStatuses"] as JsonArray)?
            .Select(c => c?["state"]?["terminated"]?["reason"]?.GetValue<string>()).FirstOrDefault(r => r is not null);
        return terminated ?? pod["status"]?["phase"]?.GetValue<string>() ?? "Unknown";
    }
}
