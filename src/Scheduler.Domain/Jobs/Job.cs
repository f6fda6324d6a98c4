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

    /// <summary>The reason of a requeue a person asked for (<c>scontrol requeue</c>): it stops as a preemption does, without counting as one.</summary>
    public const string RequeuedReason = "Requeued";

    /// <summary>Who holds a job submitted with <c>hold: true</c> but without a user (a TrainingJob's spec).</summary>
    public const string SpecHold = "spec.hold";

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

    /// <summary>The Kubernetes namespace of the job's pods: a TrainingJob's own; null for REST jobs until the first admission pins the default.</summary>
    public string? Namespace { get; private set; }

    /// <summary>Where the current attempt's pods run; set on admission, cleared when the job goes back to the queue.</summary>
    public IReadOnlyList<JobPodPlacement>? Placement { get; private set; }

    /// <summary>Why a queued job is not placed yet (the scheduler's words); null once it leaves the queue.</summary>
    public string? PendingReason { get; private set; }

    /// <summary>When a backfill reservation predicts the queued job starts; null without one.</summary>
    public DateTimeOffset? PredictedStart { get; private set; }

    /// <summary>When the job last entered Queued (submission or requeue): its age in the queue counts from here.</summary>
    public DateTimeOffset QueuedAt { get; private set; }

    /// <summary>When the current attempt's pods all ran; null until then and after a requeue.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    public int PreemptionCount { get; private set; }

    public DateTimeOffset? LastPreemptedAt { get; private set; }

    /// <summary>Attempts that ended in a retryable failure; the backoff limit bounds them.</summary>
    public int FailedAttempts { get; private set; }

    /// <summary>Fraction of the training done (0–1), from telemetry; a resumed attempt starts from here.</summary>
    public double Progress { get; private set; }

    public long? LastCheckpointStep { get; private set; }

    public DateTimeOffset? LastCheckpointAt { get; private set; }

    /// <summary>The custom resource the job came from; null for REST submissions.</summary>
    public JobOrigin? Origin { get; private set; }

    /// <summary>The user who submitted the job through the API; null for TrainingJobs and jobs from before authentication.</summary>
    public string? SubmittedBy { get; private set; }

    /// <summary>Who holds the queued job (<c>scontrol hold</c>, or <see cref="SpecHold"/>); null when not held. A held job is never admitted.</summary>
    public string? HeldBy { get; private set; }

    /// <summary>The array this job is a task of (every task of one submission shares it); null for a job that is no array's.</summary>
    public Guid? ArrayId { get; private set; }

    /// <summary>This task's index within its array (its <c>SCHEDULER_ARRAY_INDEX</c>); null outside an array.</summary>
    public int? ArrayIndex { get; private set; }

    /// <summary>The events recorded on this instance: the new ones, or all of them when the store loaded them.</summary>
    public IReadOnlyList<JobEvent> Events => _events;

    /// <summary>A new Queued job. The spec must be validated and normalised, with its priority class resolved.</summary>
    public static Job Submit(Guid id, JobSpec spec, DateTimeOffset at, JobOrigin? origin = null, string? submittedBy = null, JobArrayTask? arrayTask = null)
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
            QueuedAt = at,
            Origin = origin,
            SubmittedBy = submittedBy,
            Namespace = origin?.Namespace,
            ArrayId = arrayTask?.ArrayId,
            ArrayIndex = arrayTask?.Index,
        };
        job._events.Add(new JobEvent(id, job.Version, null, JobState.Queued, SubmittedReason, at));
        if (spec.Hold == true)
        {
            job.HeldBy = submittedBy ?? SpecHold;
            job.PendingReason = HeldReason(job.HeldBy);
        }
        else if (spec.NotBefore is { } begin && begin > at)
        {
            job.PendingReason = NotBeforeReason(begin);
        }

        return job;
    }

    /// <summary>
    /// Queued → Admitted on <paramref name="placement"/>: the attempt count goes up, the namespace is pinned (a REST job takes
    /// <paramref name="defaultNamespace"/>), the pending reason is cleared.
    /// </summary>
    public JobEvent Admit(IReadOnlyList<JobPodPlacement> placement, string defaultNamespace, string reason, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentException.ThrowIfNullOrWhiteSpace(defaultNamespace);
        if (placement.Count == 0)
        {
            throw new ArgumentException("A placement names at least one pod.", nameof(placement));
        }

        var recorded = TransitionTo(JobState.Admitted, reason, at);
        Placement = placement;
        Namespace ??= defaultNamespace;
        return recorded;
    }

    /// <summary>A retryable failure ended the attempt: back to the queue, one more failed attempt counted.</summary>
    public JobEvent RetryAfterFailure(string reason, DateTimeOffset at)
    {
        var recorded = TransitionTo(JobState.Queued, reason, at);
        FailedAttempts++;
        return recorded;
    }

    /// <summary>Why a queued job waits and when it is predicted to start. Not a state change: no event, no new version.</summary>
    public void SetPending(string reason, DateTimeOffset? predictedStart)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        if (State != JobState.Queued)
        {
            throw new InvalidOperationException($"Only a queued job has a pending reason; this one is {State}.");
        }

        PendingReason = reason;
        PredictedStart = predictedStart;
    }

    /// <summary>The pending reason of a held job.</summary>
    public static string HeldReason(string heldBy) => heldBy == SpecHold ? "Held (by spec.hold)" : $"Held (by user {heldBy})";

    /// <summary>The pending reason of a job whose <see cref="JobSpec.NotBefore"/> is still ahead.</summary>
    public static string NotBeforeReason(DateTimeOffset notBefore) =>
        $"BeginTime: not started before {notBefore.ToUniversalTime().ToString("u", System.Globalization.CultureInfo.InvariantCulture)}";

    /// <summary>Holds a queued job: it keeps its place (its age and fair share) but is not admitted until <see cref="Release"/>.</summary>
    public JobEvent Hold(string by, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        RequireQueued("held");
        HeldBy = by;
        Spec = Spec with { Hold = true };
        PendingReason = HeldReason(by);
        PredictedStart = null;
        return Note($"Held by user {by}", at);
    }

    /// <summary>Releases a held job back to the scheduler, with its place in the queue unchanged.</summary>
    public JobEvent Release(string by, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        RequireQueued("released");
        HeldBy = null;
        Spec = Spec with { Hold = null };
        PendingReason = Spec.NotBefore is { } begin && begin > at ? NotBeforeReason(begin) : $"released by user {by}; waiting for the next scheduling cycle";
        return Note($"Released by user {by}", at);
    }

    /// <summary>
    /// Requeues a job that holds resources: it moves to Preempted (its pods are stopped with their grace period, so it
    /// checkpoints) and back to Queued once they stopped, but it is not counted as a preemption.
    /// </summary>
    public JobEvent Requeue(string by, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(by);
        if (State is not (JobState.Admitted or JobState.Running))
        {
            throw new IllegalTransitionException(State, JobState.Preempted);
        }

        return TransitionTo(JobState.Preempted, $"{RequeuedReason} by user {by}", at, countsAsPreemption: false);
    }

    /// <summary>Replaces the spec's changeable members (the caller checked which may change) and records what changed.</summary>
    public JobEvent Amend(JobSpec spec, string reason, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        PriorityClass = spec.PriorityClass ?? PriorityClass;
        Queue = spec.Queue ?? Queue;
        return Note(reason, at);
    }

    /// <summary>Records a change that is not a state change (hold, release, update): an event from the state to itself.</summary>
    private JobEvent Note(string reason, DateTimeOffset at)
    {
        Version++;
        // The state's reason stays the transition's: an update does not explain why the job is where it is.
        var recorded = new JobEvent(Id, Version, State, State, reason, at);
        UpdatedAt = at;
        _events.Add(recorded);
        return recorded;
    }

    private void RequireQueued(string what)
    {
        if (State != JobState.Queued)
        {
            throw new InvalidOperationException($"Only a queued job can be {what}; this one is {State}.");
        }
    }

    /// <summary>What the trainer reported: the fraction done and its last committed checkpoint.</summary>
    public void RecordProgress(double progress, long? lastCheckpointStep, DateTimeOffset at)
    {
        Progress = Math.Clamp(progress, 0, 1);
        if (lastCheckpointStep is { } step && step != LastCheckpointStep)
        {
            LastCheckpointStep = step;
            LastCheckpointAt = at;
        }
    }

    /// <summary>Moves the job to <paramref name="to"/> and records the event; throws <see cref="IllegalTransitionException"/> for a move the lifecycle forbids.</summary>
    public JobEvent TransitionTo(JobState to, string reason, DateTimeOffset at) => TransitionTo(to, reason, at, countsAsPreemption: true);

    private JobEvent TransitionTo(JobState to, string reason, DateTimeOffset at, bool countsAsPreemption)
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

        ApplySchedulingEffects(to, at, countsAsPreemption);

        Version++;
        var recorded = new JobEvent(Id, Version, State, to, reason, at);
        State = to;
        Reason = reason;
        UpdatedAt = at;
        _events.Add(recorded);
        return recorded;
    }

    /// <summary>What entering a state means for the scheduling fields, so they never contradict the state.</summary>
    private void ApplySchedulingEffects(JobState to, DateTimeOffset at, bool countsAsPreemption)
    {
        if (State == JobState.Queued)
        {
            PendingReason = null;
            PredictedStart = null;
        }

        switch (to)
        {
            case JobState.Queued:
                Placement = null;
                StartedAt = null;
                QueuedAt = at;
                break;
            case JobState.Running:
                StartedAt = at;
                break;
            case JobState.Preempted when countsAsPreemption:
                PreemptionCount++;
                LastPreemptedAt = at;
                break;
        }
    }
}
