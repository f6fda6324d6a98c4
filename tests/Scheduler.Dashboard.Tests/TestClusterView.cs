using Scheduler.Application.Dashboard;

namespace Scheduler.Dashboard.Tests;

/// <summary>The cluster port fed by the test: known nodes and the pods placed on them.</summary>
public sealed class TestClusterView : IClusterView
{
    private readonly Lock _gate = new();
    private readonly List<ClusterNode> _nodes = [];
    private readonly List<ClusterPod> _pods = [];
    private volatile TaskCompletionSource? _stall;

    public ValueTask<ClusterSnapshot> ReadAsync(CancellationToken cancellationToken)
    {
        if (_stall is { } stall)
        {
            return StalledAsync(stall, cancellationToken);
        }

        lock (_gate)
        {
            return ValueTask.FromResult(new ClusterSnapshot(_nodes.ToList(), _pods.ToList()));
        }
    }

    /// <summary>Reads from now on hang until cancelled, as a cluster API that stopped answering; the task completes when one has begun.</summary>
    public Task StallReads()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _stall = entered;
        return entered.Task;
    }

    public void ResumeReads() => _stall = null;

    private static async ValueTask<ClusterSnapshot> StalledAsync(TaskCompletionSource entered, CancellationToken cancellationToken)
    {
        entered.TrySetResult();
        await Task.Delay(Timeout.Infinite, cancellationToken);
        throw new InvalidOperationException("unreachable: an infinite delay ends only by cancellation");
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
