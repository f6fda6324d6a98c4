using System.Globalization;
using System.Text.Json.Nodes;
using Scheduler.Domain.Catalog;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Cluster;

/// <summary>The Node objects of simulated GPU nodes, labelled as the NVIDIA GPU operator labels real ones.</summary>
internal static class SimulatedNodes
{
    public static JsonObject Build(string name, GpuType gpuType, int gpus, string rack, DateTimeOffset now, IReadOnlyDictionary<string, string>? extraLabels = null)
    {
        ArgumentNullException.ThrowIfNull(gpuType);
        var gpuCount = gpus.ToString(CultureInfo.InvariantCulture);
        var resources = new JsonObject { ["cpu"] = "96", ["memory"] = "1536Gi", ["pods"] = "110", [SimulatedCluster.GpuResource] = gpuCount };
        var labels = new JsonObject
        {
            ["kubernetes.io/hostname"] = name,
            ["kubernetes.io/os"] = "linux",
            [SimulatedCluster.GpuProductLabel] = gpuType.ProductLabels.FirstOrDefault() ?? gpuType.Name,
            ["nvidia.com/gpu.count"] = gpuCount,
            ["nvidia.com/gpu.memory"] = ((int)(gpuType.MemoryGiB * 1024)).ToString(CultureInfo.InvariantCulture),
            ["topology.kubernetes.io/zone"] = "sim-zone-a",
            [SimulatedCluster.RackLabel] = rack,
            [SimulatedKubelet.SimulatedNodeLabel] = "true",
        };
        foreach (var (key, value) in extraLabels ?? new Dictionary<string, string>())
        {
            labels[key] = value;
        }

        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels },
            ["spec"] = new JsonObject(),
            ["status"] = new JsonObject
            {
                ["capacity"] = resources,
                ["allocatable"] = resources.DeepClone(),
                ["conditions"] = new JsonArray(ReadyCondition(now, now)),
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = "10.0.0.1" }, new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = Discovery.KubernetesVersion + "-sim", ["operatingSystem"] = "linux", ["architecture"] = "amd64" },
            },
        };
    }

    /// <summary>The Ready condition a kubelet posts with each heartbeat.</summary>
    public static JsonObject ReadyCondition(DateTimeOffset heartbeat, DateTimeOffset transition) => new()
    {
        ["type"] = "Ready",
        ["status"] = "True",
        ["reason"] = "KubeletReady",
        ["message"] = "simulated kubelet is posting ready status",
        ["lastHeartbeatTime"] = ResourceOperations.Timestamp(heartbeat),
        ["lastTransitionTime"] = ResourceOperations.Timestamp(transition),
    };
}
