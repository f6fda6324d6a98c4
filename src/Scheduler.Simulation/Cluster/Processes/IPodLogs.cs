namespace Scheduler.Simulation.Cluster.Processes;

/// <summary>
/// The captured stdout and stderr of pods the process runtime ran, as <c>kubectl logs</c> would show them (one text, lines in
/// arrival order). Kept after the pod ends and is deleted, up to <see cref="ProcessRuntimeOptions.MaxLoggedPods"/> pods.
/// </summary>
public interface IPodLogs
{
    /// <summary>The pod's log so far; null for a pod this runtime never ran.</summary>
    string? Read(string? @namespace, string name);
}
