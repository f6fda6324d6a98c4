namespace Scheduler.Domain.Queues;

/// <summary>
/// A team's queue (<c>PUT /api/v1/queues/{name}</c> and the GpuQueue resource). Quotas are whole GPUs per catalog GPU type.
/// Kueue's rules: the queue may use at most nominal + borrowing limit, and always keeps nominal − lending limit for itself.
/// </summary>
public sealed record QueueSpec
{
    public string? Cohort { get; init; }

    public IReadOnlyDictionary<string, int>? NominalQuota { get; init; }

    /// <summary>How much above nominal the queue may borrow from its cohort, per GPU type; absent means unlimited.</summary>
    public IReadOnlyDictionary<string, int>? BorrowingLimit { get; init; }

    /// <summary>How much of its nominal quota the queue lends to its cohort, per GPU type; absent means all of it.</summary>
    public IReadOnlyDictionary<string, int>? LendingLimit { get; init; }

    public GpuHourBudget? GpuHourBudget { get; init; }

    public string? DefaultPriorityClass { get; init; }

    /// <summary>Weight in weighted fair sharing (default 1).</summary>
    public double? FairShareWeight { get; init; }

    /// <summary>
    /// Namespaces whose TrainingJobs may use the queue, by name (<see cref="QueueNamespaces"/>). With
    /// <see cref="NamespaceSelector"/> unset too, no namespace may; REST submissions are not namespaced and not bound.
    /// </summary>
    public IReadOnlyList<string>? Namespaces { get; init; }

    /// <summary>Namespaces whose TrainingJobs may use the queue, by label; <c>{}</c> selects every namespace.</summary>
    public NamespaceSelector? NamespaceSelector { get; init; }

    /// <summary>The <c>maxRuntime</c> (ISO-8601 duration) a job gets when its spec names none.</summary>
    public string? DefaultMaxRuntime { get; init; }

    /// <summary>The longest <c>maxRuntime</c> (ISO-8601 duration) a job of this queue may ask for, at submission and by update.</summary>
    public string? MaxRuntime { get; init; }

    /// <summary>
    /// A job of this queue is not preempted before it has run this long (ISO-8601 duration; KAI's min-runtime), so that it
    /// can write its first checkpoint.
    /// </summary>
    public string? MinRuntimeBeforePreemption { get; init; }

    /// <summary>Webhooks told of the lifecycle events of every job submitted to this queue, besides the job's own.</summary>
    public IReadOnlyList<Specs.NotifySpec>? Notify { get; init; }
}
