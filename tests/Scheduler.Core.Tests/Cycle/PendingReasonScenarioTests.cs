using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Cycle;

/// <summary>The reason every job left pending carries.</summary>
public sealed class PendingReasonScenarioTests
{
    [Fact]
    public void Pending_reason_counts_only_free_gpus_on_nodes_whose_taints_the_job_tolerates()
    {
        var builder = new SnapshotBuilder()
            .Node("infra", "H100-SXM", 8, taints: [new Taint("dedicated", "infra")])
            .Node("gpu", "H100-SXM", 8, taints: [new Taint("nvidia.com/gpu", "present")])
            .Running("busy", "research", 1000, [("gpu", [0, 1, 2, 3, 4])])
            .Queue("research", quotas: [("H100-SXM", 32, null, null)]);
        var tolerating = Jobs.Pending("tolerating", "research", gpus: 4) with { Tolerations = [new Toleration("nvidia.com/gpu")] };
        var untolerating = Jobs.Pending("untolerating", "research", gpus: 4);

        var result = Run(builder.Pending(tolerating).Pending(untolerating));

        // 8 free on the infra node and 3 on the GPU node, but only the GPU node's 3 are open to a job tolerating nvidia.com/gpu.
        Assert.Equal(
            "no room for 1 pod(s) × 4 GPU(s) (1 CPU, 1 GiB per pod): at most 3 whole H100-SXM GPUs free on one node, 3 in all, 8 free on nodes whose taints it does not tolerate",
            ReasonOf(result, "tolerating"));
        Assert.Equal(
            "no room for 1 pod(s) × 4 GPU(s) (1 CPU, 1 GiB per pod): at most 0 whole H100-SXM GPUs free on one node, 0 in all, 11 free on nodes whose taints it does not tolerate, 1 job ahead",
            ReasonOf(result, "untolerating"));
    }

    [Fact]
    public void Explains_unknown_queues_and_gpu_types()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n", "H100-SXM", 8)
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("lost", "nowhere"))
            .Pending(Jobs.Pending("exotic", "research", type: "TPU-v5")));

        Assert.Equal("queue nowhere does not exist", ReasonOf(result, "lost"));
        Assert.Equal("no node or quota has GPU type TPU-v5", ReasonOf(result, "exotic"));
    }

    [Fact]
    public void Leaves_a_job_with_an_impossible_shape_pending_with_the_reason()
    {
        var result = Run(new SnapshotBuilder()
            .Node("n", "H100-SXM", 8)
            .Queue("research", quotas: [H100x16])
            .Pending(Jobs.Pending("empty", "research", pods: 0)));

        Assert.Empty(result.Placements);
        Assert.StartsWith("invalid shape: 0 pod(s)", ReasonOf(result, "empty"));
    }
}
