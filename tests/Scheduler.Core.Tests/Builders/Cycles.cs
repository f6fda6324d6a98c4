using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;

namespace Scheduler.Core.Tests.Builders;

/// <summary>Runs a cycle over a built snapshot and picks decisions out of its result (for scenario tests).</summary>
internal static class Cycles
{
    public static readonly (string, int, int?, int?) H100x16 = ("H100-SXM", 16, null, null);

    public static CycleResult Run(SnapshotBuilder builder, SchedulerOptions? options = null) => SchedulingCycle.Run(builder.Build(), options);

    public static Place PlaceOf(CycleResult result, string job) => Assert.Single(result.Placements, p => p.JobId == job);

    public static string ReasonOf(CycleResult result, string job) => Assert.Single(result.PendingJobs, p => p.JobId == job).Reason;
}
