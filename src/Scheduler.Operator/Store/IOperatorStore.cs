using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Store;

/// <summary>
/// What the operator reads from and writes to PostgreSQL, through the application's commands (the same path as REST).
/// Every write is a state transition with its event in one transaction, applied only to the version the cycle saw: a
/// <c>null</c>/<c>false</c> answer means the job moved meanwhile and the decision is dropped for this cycle. Admissions,
/// transitions and retries carry this replica's leader term; a write under a stale term throws <see cref="StaleLeaderException"/>.
/// </summary>
public interface IOperatorStore
{
    Task<IReadOnlyList<OperatorQueue>> QueuesAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<OperatorJob>> ActiveJobsAsync(CancellationToken cancellationToken);

    /// <summary>The next <see cref="ActiveJobsAsync"/> reads every active job again instead of what changed (a failed cycle: any doubt).</summary>
    void ReadAllNext()
    {
    }

    /// <summary>Queued → Admitted with the placement; answers the admitted job (its new attempt and pinned namespace).</summary>
    Task<OperatorJob?> AdmitAsync(OperatorJob job, IReadOnlyList<JobPodPlacement> placement, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// A cycle's placements in one write (Queued → Admitted each); answers the jobs admitted, leaving out those that moved
    /// meanwhile. By default one <see cref="AdmitAsync"/> each.
    /// </summary>
    async Task<IReadOnlyList<OperatorJob>> AdmitAllAsync(IReadOnlyList<OperatorAdmission> admissions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admissions);
        var admitted = new List<OperatorJob>();
        foreach (var admission in admissions)
        {
            if (await AdmitAsync(admission.Job, admission.Placement, admission.Reason, cancellationToken) is { } job)
            {
                admitted.Add(job);
            }
        }

        return admitted;
    }

    Task<bool> TransitionAsync(OperatorJob job, JobState to, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Several moves to states that are not final (a cycle's Admitted → Running) in one write; answers the jobs moved. By default
    /// one <see cref="TransitionAsync"/> each.
    /// </summary>
    async Task<IReadOnlySet<JobId>> TransitionAllAsync(IReadOnlyList<OperatorTransition> transitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        var moved = new HashSet<JobId>();
        foreach (var t in transitions)
        {
            if (await TransitionAsync(t.Job, t.To, t.Reason, cancellationToken))
            {
                moved.Add(t.Job.Id);
            }
        }

        return moved;
    }

    /// <summary>Back to the queue after a retryable failure, counting it against the backoff limit.</summary>
    Task<bool> RetryAsync(OperatorJob job, string reason, CancellationToken cancellationToken);

    /// <summary>This replica acquired the Lease: begins a new leader term (fencing every older one) and learns the installation id.</summary>
    Task<LeadershipTerm> BeginTermAsync(string identity, CancellationToken cancellationToken);

    /// <summary>Which of these jobs the database has a row for, in any state (the orphan guard's check).</summary>
    Task<IReadOnlySet<JobId>> KnownJobsAsync(IReadOnlyCollection<JobId> jobIds, CancellationToken cancellationToken);

    /// <summary>Records why queued jobs wait and, with backfill, when they are predicted to start (no state change, no event).</summary>
    Task SetPendingAsync(IReadOnlyList<PendingUpdate> updates, CancellationToken cancellationToken);

    /// <summary>The jobs the dependencies of queued jobs name, by the stored id (a job's, or an array's: all its tasks).</summary>
    Task<IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>>> DependencyTargetsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken);
}
