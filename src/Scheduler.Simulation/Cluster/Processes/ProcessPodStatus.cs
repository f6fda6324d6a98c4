using System.Text.Json.Nodes;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>The pod status a kubelet writes for a process: running on this host (loopback), or terminated with its exit code.</summary>
internal static class ProcessPodStatus
{
    public const string HostIp = "127.0.0.1";

    public static JsonObject Running(JsonObject pod, DateTimeOffset started, DateTimeOffset now, int pid)
    {
        var updated = (JsonObject)pod.DeepClone();
        var status = JsonPaths.Child(updated, "status");
        var timestamp = ResourceOperations.Timestamp(started);
        status["phase"] = "Running";
        status["startTime"] = timestamp;
        status["hostIP"] = HostIp;
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = HostIp });
        status["podIP"] = HostIp;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = HostIp });
        status["containerStatuses"] = ContainerStatuses(pod, ready: true, $"process://{pid}", new JsonObject { ["running"] = new JsonObject { ["startedAt"] = timestamp } });
        foreach (var condition in new[] { "Initialized", "ContainersReady", "Ready", "PodScheduled" })
        {
            ResourceOperations.SetCondition(status, condition, "True", now);
        }

        return updated;
    }

    public static JsonObject Terminated(JsonObject pod, DateTimeOffset started, DateTimeOffset now, int exitCode, string reason, string message)
    {
        var updated = (JsonObject)pod.DeepClone();
        var status = JsonPaths.Child(updated, "status");
        status["phase"] = exitCode == 0 ? "Succeeded" : "Failed";
        status["startTime"] ??= ResourceOperations.Timestamp(started);
        status["containerStatuses"] = ContainerStatuses(pod, ready: false, "process://exited", new JsonObject
        {
            ["terminated"] = new JsonObject
            {
                ["exitCode"] = exitCode,
                ["reason"] = reason,
                // As a kubelet caps terminationMessage (4096 bytes): the end of the log is what explains a failure.
                ["message"] = message.Length > 4000 ? message[^4000..] : message,
                ["startedAt"] = ResourceOperations.Timestamp(started),
                ["finishedAt"] = ResourceOperations.Timestamp(now),
            },
        });
        ResourceOperations.SetCondition(status, "Ready", "False", now);
        ResourceOperations.SetCondition(status, "ContainersReady", "False", now);
        return updated;
    }

    private static JsonArray ContainerStatuses(JsonObject pod, bool ready, string containerId, JsonObject state) =>
        new([.. ((pod["spec"]?["containers"] as JsonArray) ?? []).OfType<JsonObject>().Select(c => (JsonNode)new JsonObject
        {
            ["name"] = c["name"]?.DeepClone(),
            ["image"] = c["image"]?.DeepClone(),
            ["imageID"] = "process",
            ["containerID"] = containerId,
            ["ready"] = ready,
            ["started"] = ready,
            ["restartCount"] = 0,
            ["state"] = state.DeepClone(),
        })]);
}
