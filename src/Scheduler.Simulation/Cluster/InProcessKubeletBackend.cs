using System.Net;
using System.Text.Json.Nodes;
using Scheduler.Simulation.ApiServer;

namespace Scheduler.Simulation.Cluster;

/// <summary>
/// The kubelet's backend inside the fake API server's process: its store, directly (no HTTP round trips). Lists hand out the
/// stored objects themselves, uncopied: the kubelet only reads them and writes copies.
/// </summary>
internal sealed class InProcessKubeletBackend(FakeApiServer server, TimeProvider time) : IKubeletBackend
{
    private static readonly Selector SimulatedNodes = Selector.ParseLabels(SimulatedKubelet.SimulatedNodeLabel + "=true");

    public TimeProvider Time => time;

    public Task<IReadOnlyList<JsonObject>> ListNodesAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JsonObject>>(server.Store.ListShared(server.Resources.Nodes, null, SimulatedNodes).Items);

    public Task<IReadOnlyList<JsonObject>> ListPodsAsync(IReadOnlySet<string> nodes, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<JsonObject>>(server.Store.ListShared(server.Resources.Pods, null, Selector.Everything).Items);

    public Task WriteStatusAsync(JsonObject pod, CancellationToken cancellationToken)
    {
        server.Operations.Replace(
            server.Resources.Pods, pod["metadata"]?["namespace"]?.GetValue<string>(), pod["metadata"]!["name"]!.GetValue<string>(), pod, statusOnly: true, RequestOptions.Default);
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string? @namespace, string name, CancellationToken cancellationToken)
    {
        server.Operations.Delete(server.Resources.Pods, @namespace, name, new DeleteRequest(GracePeriodSeconds: 0));
        return Task.CompletedTask;
    }

    public bool IsConflictOrGone(Exception error) => error is ApiError { Code: HttpStatusCode.Conflict or HttpStatusCode.NotFound };
}
