namespace Scheduler.Domain.Specs;

/// <summary>
/// A training job as submitted through REST, the TrainingJob resource or the CLI (one schema for all three).
/// Optional members are null until <see cref="JobSpecNormalizer"/> fills their documented defaults.
/// </summary>
public sealed record JobSpec
{
    /// <summary>DNS-1123 label, unique within the queue while the job is active.</summary>
    public string? Name { get; init; }

    /// <summary>Name of an existing queue.</summary>
    public string? Queue { get; init; }

    /// <summary>A configured priority class; defaults to the queue's default class.</summary>
    public string? PriorityClass { get; init; }

    public ModelSpec? Model { get; init; }

    public TrainingSpec? Training { get; init; }

    public ParallelismSpec? Parallelism { get; init; }

    public ResourceSpec? Resources { get; init; }

    /// <summary>Keep a multi-pod job's pods within one rack, block, zone, NVLink clique or node (docs/scheduling.md "Topology").</summary>
    public TopologySpec? Topology { get; init; }

    public ContainerSpec? Container { get; init; }

    public CheckpointSpec? Checkpoint { get; init; }

    /// <summary>ISO-8601 duration (for example <c>PT12H</c>); past it the job is stopped and fails with reason TimeLimit.</summary>
    public string? MaxRuntime { get; init; }

    /// <summary>Submit held (<c>sbatch --hold</c>): the job waits in its queue, never admitted, until released.</summary>
    public bool? Hold { get; init; }

    /// <summary>The job is not started before this time (<c>sbatch --begin</c>).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Jobs this one waits for (<c>afterok</c>, <c>afterany</c>, <c>afternotok</c>); checked before the scheduler sees it.</summary>
    public IReadOnlyList<DependencySpec>? Dependencies { get; init; }

    /// <summary>At most one job of this name and owner holds GPUs at once (Slurm's <c>--dependency=singleton</c>).</summary>
    public bool? Singleton { get; init; }

    /// <summary>Makes the submission an array of tasks sharing this spec.</summary>
    public ArraySpec? Array { get; init; }

    /// <summary>Webhooks told of the job's lifecycle events (docs/api.md "Notifications").</summary>
    public IReadOnlyList<NotifySpec>? Notify { get; init; }
}
