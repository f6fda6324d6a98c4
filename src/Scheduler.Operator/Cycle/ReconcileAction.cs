using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Cycle;

/// <summary>What the pods of one job say should happen to it; carried out by the cycle.</summary>
public abstract record ReconcileAction(JobId JobId);

/// <summary>
/// Move the job to <see cref="To"/>; when <see cref="DeletePods"/> the remaining pods are stopped (gracefully). A move to Queued
/// with <see cref="CountsAsFailure"/> is a retry that the backoff limit bounds.
/// </summary>
public sealed record MoveJob(JobId JobId, JobState To, string Reason, bool DeletePods, bool CountsAsFailure = false) : ReconcileAction(JobId);

/// <summary>An admitted job lacks some of its pods (the operator crashed between persisting and creating): create the missing ranks.</summary>
public sealed record CreateMissingPods(JobId JobId, IReadOnlyList<int> Ranks) : ReconcileAction(JobId);

/// <summary>A preempted job's pods still hold GPUs without being stopped (or wait on a node that is not ready): stop them.</summary>
public sealed record StopPods(JobId JobId) : ReconcileAction(JobId);

/// <summary>Pods we own that belong to no active attempt (cancelled, finished, superseded): delete them.</summary>
public sealed record DeleteStrayPods(JobId JobId, IReadOnlyList<string> PodNames, string Namespace) : ReconcileAction(JobId);

/// <summary>The headless Service of a job that is no longer active (ended outside the cycle, or while the operator was down): delete it.</summary>
public sealed record DeleteJobService(JobId JobId, string ServiceName, string Namespace) : ReconcileAction(JobId);
