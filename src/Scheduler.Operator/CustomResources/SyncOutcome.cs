using Scheduler.Application.Jobs;

namespace Scheduler.Operator.CustomResources;

/// <summary>Why a TrainingJob's spec did not (or not yet) become a job.</summary>
internal enum SyncProblemKind
{
    /// <summary>The spec breaks our validator's rules (a real cluster's schema let it through): the resource fails, never retried.</summary>
    InvalidSpec,
    /// <summary>The spec names a queue that does not exist yet: retried each resync, so a GpuQueue applied later is picked up.</summary>
    QueueNotFound,
    /// <summary>An active job of that name in the queue came from REST or another namespace: retried until it ends.</summary>
    NameTaken,
    /// <summary>The spec of an active job changed (409): the job runs on with its spec; the change is reported, not applied.</summary>
    SpecChangeRejected,
    /// <summary>The queue does not admit the resource's namespace: retried each resync, so a changed binding or namespace label is picked up.</summary>
    Forbidden,
    /// <summary>A configured submission limit is reached (queued jobs per queue, active spec bytes): retried each resync.</summary>
    LimitReached,
}

internal sealed record SyncProblem(SyncProblemKind Kind, string Message);

/// <summary>
/// What reconciling a TrainingJob's spec came to: its job (if any), the spec generation the status now answers for,
/// and a problem to report.
/// </summary>
internal sealed record SyncOutcome(JobDetails? Job, long? ObservedGeneration, SyncProblem? Problem = null);
