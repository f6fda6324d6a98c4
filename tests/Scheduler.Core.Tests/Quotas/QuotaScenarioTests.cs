using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Quotas;

/// <summary>Kueue's quota rules through whole cycles: nominal quota, cohort borrowing and lending limits.</summary>
public sealed class QuotaScenarioTests
{
    [Fact]
    public void Explains_a_job_held_at_its_queue_quota_with_the_cohort_and_the_jobs_ahead()
    {
        var builder = new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Running("r1", "research", 1000, [("node-0", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Running("r2", "research", 1000, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Running("v", "vision", 1000, [("node-2", [0, 1, 2, 3, 4, 5, 6, 7])])
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 16, null, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 8, null, 0)]);
        for (var i = 0; i < 4; i++)
        {
            builder.Pending(Jobs.Pending($"q{i}", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(10 - i)));
        }

        var result = Run(builder);

        Assert.Empty(result.Placements);
        Assert.Equal("queue research at its H100-SXM quota (16/16), cohort ml has 0 to lend, 3 jobs ahead", ReasonOf(result, "q3"));
        Assert.StartsWith("queue research at its H100-SXM quota (16/16), cohort ml has 0 to lend", ReasonOf(result, "q0"));
    }

    [Fact]
    public void Borrows_unused_quota_from_the_cohort_up_to_the_borrowing_limit()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 8, 8, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 24, null, null)])
            .Pending(Jobs.Pending("a", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(3)))
            .Pending(Jobs.Pending("b", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("c", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(1))));

        Assert.Equal(["a", "b"], result.Placements.Select(p => p.JobId).Order());
        Assert.StartsWith("queue research at its H100-SXM borrowing limit (16/8 + 8)", ReasonOf(result, "c"));
    }

    [Fact]
    public void A_queue_keeps_what_its_lending_limit_does_not_lend()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(4, "H100-SXM", 8)
            .Queue("research", cohort: "ml", quotas: [("H100-SXM", 8, null, null)])
            .Queue("vision", cohort: "ml", quotas: [("H100-SXM", 24, null, 8)])
            .Pending(Jobs.Pending("a", "research", gpus: 16, pods: 1, type: "H100-SXM", age: TimeSpan.FromHours(3)) with { GpusPerPod = 8, Pods = 2 })
            .Pending(Jobs.Pending("b", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(1))));

        Assert.Equal(["a"], result.Placements.Select(p => p.JobId));
        Assert.Contains("cohort ml has 0 to lend", ReasonOf(result, "b"));
    }

    [Fact]
    public void Places_cpu_only_jobs_without_charging_gpu_quota()
    {
        var result = Run(new SnapshotBuilder()
            .Node("cpu", null, 0).Node("gpu", "T4", 1)
            .Queue("etl")
            .Pending(Jobs.Pending("etl", "etl", gpus: 0, cpu: 4000)));

        var place = PlaceOf(result, "etl");
        Assert.Null(place.GpuType);
        Assert.Empty(place.Pods[0].GpuIndices);
    }
}
