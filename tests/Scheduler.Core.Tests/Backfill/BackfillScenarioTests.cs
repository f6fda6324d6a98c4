using Scheduler.Core.Cycle;
using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;
using static Scheduler.Core.Tests.Builders.Cycles;

namespace Scheduler.Core.Tests.Backfill;

/// <summary>Backfill reservations through whole cycles, and the quota a reservation holds.</summary>
public sealed class BackfillScenarioTests
{
    [Fact]
    public void Reserves_for_the_blocked_head_and_backfills_only_jobs_that_end_before_it()
    {
        var result = Run(new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("ends-soon", "research", 1000, [("node-0", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(1))
            .Running("ends-late", "research", 1000, [("node-1", [0, 1, 2, 3, 4, 5, 6, 7])], endsIn: TimeSpan.FromHours(10))
            .Queue("research", quotas: [("H100-SXM", 64, null, null)])
            .Pending(Jobs.Pending("big", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(5)))
            .Pending(Jobs.Pending("long", "research", gpus: 4, type: "H100-SXM", age: TimeSpan.FromHours(4), runtime: TimeSpan.FromHours(3)))
            .Pending(Jobs.Pending("short", "research", gpus: 4, type: "H100-SXM", age: TimeSpan.FromHours(3), runtime: TimeSpan.FromMinutes(30))),
            new SchedulerOptions { Preemption = false });

        var reserve = Assert.Single(result.Reservations);
        Assert.Equal("big", reserve.JobId);
        Assert.Equal(SnapshotBuilder.T0.AddHours(1), reserve.At);
        Assert.Equal(["node-0"], reserve.Nodes);
        Assert.Equal("short", Assert.Single(result.Placements).JobId);
        Assert.StartsWith("fits only on nodes held by a backfill reservation", ReasonOf(result, "long"));
    }

    /// <summary>
    /// The reservation for <c>big</c> (8 H100s at T0 + 1 h on node-0) needs 8 GPUs of quota then; <c>candidate</c> (4 GPUs) fits on
    /// node-1 now, so only quota decides whether it may start: it may when it ends before the reservation or draws on other quota.
    /// </summary>
    public static TheoryData<string, string, string, int, bool> BackfillQuotaCases() => new()
    {
        // case, quota setup, candidate's queue, candidate's runtime (minutes), placed?
        { "a long job of the reserved queue would take its quota", "alone", "research", 180, false },
        { "a short job of the reserved queue ends before the reservation", "alone", "research", 30, true },
        { "a long job of the reserved queue fits beside the reservation", "roomy", "research", 180, true },
        { "a long job without a prediction of the reserved queue", "alone", "research", 0, false },
        { "a long job borrowing from the cohort the reservation borrows from", "cohort", "vision", 180, false },
        { "a short job borrowing from that cohort ends before the reservation", "cohort", "vision", 30, true },
        { "a long job of a queue that shares no quota with the reservation", "alone", "other", 180, true },
    };

    [Theory]
    [MemberData(nameof(BackfillQuotaCases))]
    public void Backfill_never_takes_quota_the_reserved_job_needs_at_its_reservation(string @case, string quotas, string queue, int runtimeMinutes, bool placed)
    {
        var builder = new SnapshotBuilder()
            .Nodes(2, "H100-SXM", 8)
            .Running("ends-soon", "other", 1000, [("node-0", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(1))
            .Running("ends-late", "other", 1000, [("node-1", [0, 1, 2, 3])], endsIn: TimeSpan.FromHours(10))
            .Queue("other", quotas: [H100x16]);
        _ = quotas switch
        {
            "alone" => builder.Queue("research", quotas: [("H100-SXM", 8, null, null)]).Queue("vision", quotas: [("H100-SXM", 4, null, null)]),
            "roomy" => builder.Queue("research", quotas: [("H100-SXM", 12, null, null)]).Queue("vision", quotas: [("H100-SXM", 4, null, null)]),
            // research keeps nothing for itself (it lends all 4) and needs all 8 of the cohort's pool for big.
            _ => builder.Queue("research", cohort: "ml", quotas: [("H100-SXM", 4, null, null)]).Queue("vision", cohort: "ml", quotas: [("H100-SXM", 4, null, null)]),
        };
        builder
            .Pending(Jobs.Pending("big", "research", gpus: 8, type: "H100-SXM", age: TimeSpan.FromHours(5), runtime: TimeSpan.FromHours(2)))
            .Pending(Jobs.Pending("candidate", queue, gpus: 4, type: "H100-SXM", age: TimeSpan.FromHours(4),
                runtime: runtimeMinutes == 0 ? null : TimeSpan.FromMinutes(runtimeMinutes)));

        var result = Run(builder);

        var reserve = Assert.Single(result.Reservations);
        Assert.Equal("big", reserve.JobId);
        Assert.Equal(SnapshotBuilder.T0.AddHours(1), reserve.At);
        Assert.Empty(result.Preemptions);
        Assert.True(placed == result.Placements.Any(p => p.JobId == "candidate"), @case);
        if (!placed)
        {
            Assert.StartsWith("fits only in H100-SXM quota that a backfill reservation holds for higher-ranked job big, which it would delay", ReasonOf(result, "candidate"));
        }
    }
}
