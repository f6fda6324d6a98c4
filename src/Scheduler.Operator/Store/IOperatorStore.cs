using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Store;

/// <summary>
/// What the operator reads from and writes to PostgreSQL, through the application's commands (the same path as REST).
/// Every write is a state transition with its event in one transaction; a <c>false</c> answer means the job moved meanwhile
/// (optimistic concurrency) and the decision is dropped for this cycle.
/// </summary>
public interface IOperatorStore
{
    Task<IReadOnlyList<OperatorQueue>> QueuesAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<OperatorJob>> ActiveJobsAsync(CancellationToken cancellationToken);

    /// <summary>Queued → Admitted with the placement, incrementing the attempt.</summary>
    Task<bool> AdmitAsync(OperatorJob job, IReadOnlyList<StoredPodPlacement> placement, string reason, CancellationToken cancellationToken);

    Task<bool> TransitionAsync(OperatorJob job, JobState to, string reason, CancellationToken cancellationToken);

    /// <summary>Records why a job is still pending and, with backfill, when it is predicted to start (no state change, no event).</summary>
    Task SetPendingAsync(Guid jobId, string reason, DateTimeOffset? predictedStart, CancellationToken cancellationToken);
}
