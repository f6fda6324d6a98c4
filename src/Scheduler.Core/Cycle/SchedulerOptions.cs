using Scheduler.Core.Placement;

namespace Scheduler.Core.Cycle;

/// <summary>Knobs of the cycle; the defaults are what the operator runs.</summary>
public sealed record SchedulerOptions
{
    public PlacementPolicy Policy { get; init; } = PlacementPolicy.FragmentationAware;

    /// <summary>Seeds tie-breaking (and the Random policy): the same snapshot and seed give the same decisions.</summary>
    public ulong Seed { get; init; } = 1;

    public bool Backfill { get; init; } = true;

    public bool Preemption { get; init; } = true;

    /// <summary>Usage older by one half-life counts half as much in fair sharing.</summary>
    public TimeSpan UsageHalfLife { get; init; } = TimeSpan.FromHours(24);

    /// <summary>How much one hour of waiting lowers a job's fair-share key (in dominant-share units) inside its priority class.</summary>
    public double AgingPerHour { get; init; } = 0.05;

    /// <summary>A job re-placed after being preempted is not a reclaim victim again for this long (no preemption ping-pong).</summary>
    public TimeSpan PreemptionProtection { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>At most this many backfill reservations per cycle (EASY backfill: one).</summary>
    public int MaxReservations { get; init; } = 1;

    /// <summary>
    /// At most this many jobs start preemptions per cycle: victims take a grace period to stop anyway, and the cap bounds the
    /// cycle's time when many high-priority jobs wait at once.
    /// </summary>
    public int MaxPreemptorsPerCycle { get; init; } = 16;

    public static SchedulerOptions Default { get; } = new();
}
