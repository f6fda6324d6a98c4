using Scheduler.Core.Tests.Builders;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Preemption;

/// <summary>A queue's minRuntimeBeforePreemption (KAI's min-runtime): a job is no victim before it has run that long.</summary>
public sealed class MinRuntimeBeforePreemptionTests
{
    private static SnapshotBuilder LowRunningFor(TimeSpan ran, TimeSpan minRuntime) => new SnapshotBuilder()
        .Node("n", "H100-SXM", 8)
        .Running("low", "research", 100, [("n", [0, 1, 2, 3, 4, 5, 6, 7])], startedAgo: ran)
        .Queue("research", quotas: [H100x16])
        .MinRuntimeBeforePreemption(minRuntime)
        .Pending(Jobs.Pending("urgent", "research", gpus: 8, priority: 10_000, type: "H100-SXM"));

    [Fact]
    public void A_job_younger_than_its_queues_min_runtime_is_not_preempted_and_the_preemptor_says_when_it_may_be()
    {
        var result = Run(LowRunningFor(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30)));

        Assert.Empty(result.Preemptions);
        Assert.Empty(result.Placements);
        var reason = ReasonOf(result, "urgent");
        Assert.Contains("minRuntimeBeforePreemption", reason, StringComparison.Ordinal);
        Assert.Contains((SnapshotBuilder.T0 + TimeSpan.FromMinutes(25)).ToString("O", System.Globalization.CultureInfo.InvariantCulture), reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_past_its_queues_min_runtime_is_preempted_as_before()
    {
        var result = Run(LowRunningFor(TimeSpan.FromMinutes(45), TimeSpan.FromMinutes(30)));

        var preempt = Assert.Single(result.Preemptions);
        Assert.Equal(("low", "urgent"), (preempt.JobId, preempt.ForJobId));
        Assert.DoesNotContain("minRuntimeBeforePreemption", ReasonOf(result, "urgent"), StringComparison.Ordinal);
    }
}
