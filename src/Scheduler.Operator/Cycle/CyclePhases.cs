namespace Scheduler.Operator.Cycle;

/// <summary>The <c>phase</c> label values of <c>gpu_scheduler_cycle_phase_seconds</c> (docs/metrics.md).</summary>
public static class CyclePhases
{
    /// <summary>Reading active jobs and queues from the store and building the core's snapshot.</summary>
    public const string Snapshot = "snapshot";

    /// <summary>Step 1: pods against stored states (its own writes and API calls included).</summary>
    public const string Reconcile = "reconcile";

    /// <summary>The pure scheduling core.</summary>
    public const string Core = "core";

    /// <summary>The decisions' writes to PostgreSQL (admissions, preemptions, pending reasons).</summary>
    public const string Database = "database";

    /// <summary>The decisions' API calls: Services, pods and their bindings, victims' deletions.</summary>
    public const string Api = "api";
}
