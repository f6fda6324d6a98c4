using Scheduler.Application.Dashboard;

namespace Scheduler.Dashboard.Tests;

/// <summary>The cluster port fed by the test: known nodes and the pods placed on them.</summary>
public sealed class TestClusterView : IClusterView
{
    private readonly Lock _gate = new();
    private readonly List<ClusterNode> _nodes = [];
    private readonly List<ClusterPod> _pods = [];

    public ValueTask<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(new ClusterSnapshot(_nodes.ToList(), _pods.ToList()));
        }
    }

    public void AddNode(string name, string gpuType, int gpus, bool ready = true, NodeDomains? domains = null)
    {
        lock (_gate)
        {
            _nodes.Add(new ClusterNode(name, gpuType, gpus, ready, ready, domains));
        }
    }

    public void Place(Guid jobId, string pod, string node, int[] gpuIndices, int gpuMilli = 1000)
    {
        lock (_gate)
        {
            _pods.Add(new ClusterPod(pod, jobId, node, gpuIndices, gpuMilli, "Running"));
        }
    }
}
