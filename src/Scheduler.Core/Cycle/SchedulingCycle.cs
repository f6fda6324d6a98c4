using Scheduler.Core.Decisions;
using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Cycle;

/// <summary>
/// The scheduler's entry point: one cycle over a snapshot. Pure and deterministic — the same snapshot and options give the same
/// decisions; no I/O, no clock (the snapshot carries the time).
/// </summary>
public static class SchedulingCycle
{
    public static CycleResult Run(Snapshot snapshot, SchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return new CycleRun(snapshot, options ?? SchedulerOptions.Default).Execute();
    }
}
