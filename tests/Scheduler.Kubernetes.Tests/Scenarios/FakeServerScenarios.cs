using k8s;
using Scheduler.Simulation.Cluster;

namespace Scheduler.Kubernetes.Tests.Scenarios;

/// <summary>The shared scenarios against the simulated cluster (fake API server with simulated nodes).</summary>
public sealed class FakeServerScenarios : ClusterScenarios
{
    private SimulatedCluster? _cluster;

    protected override async Task<IKubernetes> ConnectAsync()
    {
        _cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions { TickInterval = TimeSpan.Zero }, Ct);
        return _cluster.CreateClient();
    }

    protected override async Task DisconnectAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
