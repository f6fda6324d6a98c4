using Scheduler.Domain.Specs;

namespace Scheduler.Domain.Jobs;

/// <summary>
/// A submitted job: its normalised spec and where it is in its lifecycle. Every change of state goes through
/// <see cref="TransitionTo"/>, which asks <see cref="JobStateMachine"/> and records a <see cref="JobEvent"/>.
/// <see cref="Version"/> counts changes; the store uses it for optimistic concurrency.
/// </summary>
public sealed class Job
{
    public const string SubmittedReason = "Submitted";

    private readonly List<JobEvent> _events = [];

    // For the store's materialiser.
    private Job()
    {
        Name = Queue = PriorityClass = Reason = string.Empty;
        Spec = new JobSpec();
    }

    public Guid Id { get; private set; }

    public string Name { get; private set; }

    public string Queue { get; private set; }

    public string PriorityClass { get; private set; }

    public JobState State { get; private set; }

    /// <summary>Why the job is in its state (the reason of the last transition).</summary>
    public string Reason { get; private set; }

    /// <summary>How many times the job has been admitted; 0 until the first admission.</summary>
    public int Attempt { get; private set; }

    /// <summary>1 at submission, +1 for every change.</summary>
    public int Version { get; private set; }

    public JobSpec Spec { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The custom resource the job came from; null for REST submissions.</summary>
    public JobOrigin? Origin { get; private set; }

    /// <summary>The events recorded on this instance: the new ones, or all of them when the store loaded them.</summary>
    public IReadOnlyList<JobEvent> Events => _events;

    /// <summary>A new Queued job. The spec must be validated and normalised, with its priority class resolved.</summary>
    public static Job Submit(Guid id, JobSpec spec, DateTimeOffset at, JobOrigin? origin = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var job = new Job
        {
            Id = id,
            Name = spec.Name ?? throw new ArgumentException("The spec has no name.", nameof(spec)),
            Queue = spec.Queue ?? throw new ArgumentException("The spec has no queue.", nameof(spec)),
            PriorityClass = spec.PriorityClass ?? throw new ArgumentException("The spec's priority class is not resolved.", nameof(spec)),
            Spec = spec,
            State = JobState.Queued,
            Reason = SubmittedReason,
            Version = 1,
            CreatedAt = at,
            UpdatedAt = at,
            Origin = origin,
        };
        job._events.Add(new JobEvent(id, job.Version, null, JobState.Queued, SubmittedReason, at));
        return job;
    }

    /// <summary>Moves the job to <paramref name="to"/> and records the event; throws <see cref="IllegalTransitionException"/> for a move the lifecycle forbids.</summary>
    public JobEvent TransitionTo(JobState to, string reason, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (!JobStateMachine.CanTransition(State, to))
        {
            throw new IllegalTransitionException(State, to);
        }

        if (to == JobState.Admitted)
        {
            Attempt++;
        }

        Version++;
        var recorded = new JobEvent(Id, Version, State, to, reason, at);
        State = to;
        Reason = reason;
        UpdatedAt = at;
        _events.Add(recorded);
        return recorded;
    }
}
