using Scheduler.Core.Cycle;
using Scheduler.Core.Placement;

namespace Scheduler.Operator.Hosting;

/// <summary>Configuration section <c>Scheduler:Policy</c>: the core's knobs and the operator's retry and grace settings.</summary>
public sealed class PolicyOptions
{
    public const string Section = "Scheduler:Policy";

    /// <summary><c>fragmentation-aware</c> (default), <c>best-fit</c>, <c>gpu-packing</c>, <c>random</c>, … (case and dashes ignored).</summary>
    public string Placement { get; set; } = "fragmentation-aware";

    public bool Backfill { get; set; } = true;

    public bool Preemption { get; set; } = true;

    public TimeSpan FairShareHalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Seconds a preempted pod gets between SIGTERM and SIGKILL to commit its checkpoint.</summary>
    public long PreemptionGracePeriodSeconds { get; set; } = 120;

    /// <summary>Retries of a job whose pods failed with a retryable exit code; one more failure ends it Failed.</summary>
    public int BackoffLimit { get; set; } = 3;

    /// <summary>
    /// Pods of jobs the database has no record of that one orphan-collection pass may delete; with more, it deletes none of
    /// them and logs an error (a restored or wrong database must not kill the cluster's running work).
    /// </summary>
    public int MaxUnknownPodDeletions { get; set; } = Cycle.OrphanGuard.DefaultMaxUnknownPodDeletions;

    public SchedulerOptions ToCoreOptions()
    {
        var name = Placement.Replace("-", string.Empty, StringComparison.Ordinal);
        if (!Enum.TryParse<PlacementPolicy>(name, ignoreCase: true, out var policy))
        {
            throw new InvalidOperationException(
                $"{Section}:Placement '{Placement}' is not a placement policy ({string.Join(", ", Enum.GetNames<PlacementPolicy>())}).");
        }

        return SchedulerOptions.Default with { Policy = policy, Backfill = Backfill, Preemption = Preemption, UsageHalfLife = FairShareHalfLife };
    }
}
