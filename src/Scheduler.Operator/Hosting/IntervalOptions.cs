namespace Scheduler.Operator.Hosting;

/// <summary>Configuration section <c>Scheduler:Intervals</c>: how often the cycle runs and how long the operator waits on the cluster.</summary>
public sealed class IntervalOptions
{
    public const string Section = "Scheduler:Intervals";

    /// <summary>The Quartz trigger of the scheduling cycle; watch events also start one at once (debounced).</summary>
    public TimeSpan SchedulingCycle { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a watch-triggered cycle waits for more events, so a burst of pod updates makes one cycle. After a cycle longer
    /// than this, the next starts no sooner than that cycle's length after it ended (at most <see cref="SchedulingCycle"/>).
    /// </summary>
    public TimeSpan CycleDebounce { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a node may be not ready (Ready condition False/Unknown, or the not-ready/unreachable taints) before the jobs
    /// on it are preempted and requeued; a node back within it leaves them running.
    /// </summary>
    public TimeSpan NodeNotReadyGrace { get; set; } = Cycle.JobReconciler.DefaultNodeNotReadyGrace;

    /// <summary>
    /// How long a job's container may wait on its image (<c>ErrImagePull</c>, <c>ImagePullBackOff</c>) or its configuration
    /// (<c>CreateContainerConfigError</c>) before the job ends Failed with that reason instead of holding its GPUs pending forever.
    /// </summary>
    public TimeSpan ContainerStartTimeout { get; set; } = Cycle.JobReconciler.DefaultContainerStartTimeout;

    /// <summary>How often the leader lists our Services to delete those of jobs no longer active (also once when it starts leading).</summary>
    public TimeSpan OrphanCollection { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long the finished pods of a job that ended stay (for <c>kubectl logs</c>) before the orphan collection deletes them.</summary>
    public TimeSpan FinishedPodRetention { get; set; } = Cycle.OrphanFinder.DefaultFinishedPodRetention;
}
