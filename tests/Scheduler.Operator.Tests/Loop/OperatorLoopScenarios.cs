using Scheduler.Testing.Builders;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Loop;

/// <summary>
/// The operator loop end to end, written once and run against any <see cref="LoopCluster"/>: jobs go in through the
/// application's commands (as REST sends them) or as TrainingJobs, operators place them on GPU nodes a kwok-like kubelet
/// drives, and the tests watch jobs and pods. Split in two classes (<see cref="PlacementScenarios"/>,
/// <see cref="ResilienceScenarios"/>) so that the fake-server runs go in parallel; the real-cluster runs share one
/// collection and so run one after the other, since an operator deletes the pods of jobs its database does not know.
/// </summary>
public abstract class OperatorLoopScenarios
{
    /// <summary>The xunit collection of every real-cluster class: their runs must not overlap.</summary>
    public const string RealClusterCollection = "operator loop on a real cluster";

    private readonly LoopClusterFactory _cluster;

    private protected OperatorLoopScenarios(LoopClusterFactory cluster) => _cluster = cluster;

    private protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private protected async Task<OperatorHarness> StartAsync(string purpose, int a100Nodes, int a100Quota, int backoffLimit = 2)
    {
        var harness = await OperatorHarness.StartAsync(purpose, _cluster, a100Nodes, backoffLimit: backoffLimit);
        await harness.PutQueueAsync(new Dictionary<string, int> { ["A100-80GB"] = a100Quota });
        return harness;
    }

    private protected static JobSpecBuilder Gang(string name) =>
        AJob(name).Gpus(16, "A100-80GB", 8).Parallelism(p => p with { Data = 16 }).Training(t => t with { GlobalBatchSize = 16 });

    private protected static JobSpecBuilder WholeNode(string name) => AJob(name).Gpus(8).Parallelism(p => p with { Data = 8 });
}
