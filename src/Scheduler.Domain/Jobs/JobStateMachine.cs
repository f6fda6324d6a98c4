namespace Scheduler.Domain.Jobs;

/// <summary>The legal moves of a job's lifecycle. Everything not listed is refused.</summary>
public static class JobStateMachine
{
    private static readonly Dictionary<JobState, JobState[]> Allowed = new()
    {
        [JobState.Queued] = [JobState.Admitted, JobState.Failed, JobState.Cancelled],
        // Admitted → Queued: binding failed or the nodes vanished before the pods started.
        [JobState.Admitted] = [JobState.Running, JobState.Queued, JobState.Preempted, JobState.Succeeded, JobState.Failed, JobState.Cancelled],
        // Running → Queued: a retryable failure within the backoff limit.
        [JobState.Running] = [JobState.Succeeded, JobState.Failed, JobState.Preempted, JobState.Queued, JobState.Cancelled],
        [JobState.Preempted] = [JobState.Queued, JobState.Cancelled, JobState.Failed],
        [JobState.Succeeded] = [],
        [JobState.Failed] = [],
        [JobState.Cancelled] = [],
    };

    /// <summary>The states a job never leaves (Succeeded, Failed, Cancelled): those with no move out of them.</summary>
    public static IReadOnlyList<JobState> FinalStates { get; } = Allowed.Where(p => p.Value.Length == 0).Select(p => p.Key).ToArray();

    public static bool IsFinal(JobState state) => Allowed[state].Length == 0;

    /// <summary>States that hold GPUs (or are about to).</summary>
    public static bool HoldsResources(JobState state) => state is JobState.Admitted or JobState.Running or JobState.Preempted;

    public static bool CanTransition(JobState from, JobState to) => Allowed[from].Contains(to);

    public static IReadOnlyList<JobState> NextStates(JobState from) => Allowed[from];
}
