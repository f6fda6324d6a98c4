using System.Globalization;
using System.Xml;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Workloads;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Pure: compares each active job's stored state with its pods and says what to do. Pod outcomes drive the job's state:
/// all ranks running → Running; all succeeded → Succeeded; exit 64 or 65 → Failed (spec or data error, never retried);
/// exit 75 or a removed node → requeue and resume from the checkpoint; any other failure → retry while fewer than
/// <paramref name="backoffLimit"/> attempts failed, then Failed. A node not ready for longer than
/// <paramref name="nodeNotReadyGrace"/> (default 2 minutes) preempts the jobs placed on it: the whole gang stops and is
/// requeued, as a preemption is, without counting as a failure.
/// </summary>
public sealed class JobReconciler(int backoffLimit = 3, TimeSpan? nodeNotReadyGrace = null)
{
    public static readonly TimeSpan DefaultNodeNotReadyGrace = TimeSpan.FromMinutes(2);

    private readonly TimeSpan _grace = nodeNotReadyGrace ?? DefaultNodeNotReadyGrace;

    /// <param name="notReady">Nodes that are not ready, with when that began (absent: all ready).</param>
    public IReadOnlyList<ReconcileAction> Reconcile(
        IReadOnlyList<OperatorJob> jobs, IReadOnlyList<V1Pod> pods, IReadOnlySet<string> nodes, DateTimeOffset now,
        IReadOnlyDictionary<string, DateTimeOffset>? notReady = null)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(pods);
        var actions = new List<ReconcileAction>();
        var podsByJob = pods
            .Select(p => (Pod: p, JobId: WorkloadLabels.JobIdOf(p.Metadata)))
            .Where(p => p.JobId is not null)
            .GroupBy(p => p.JobId!.Value, p => p.Pod)
            .ToDictionary(g => g.Key, g => g.ToList());

        var nodesNotReady = notReady ?? new Dictionary<string, DateTimeOffset>();
        foreach (var job in jobs)
        {
            // Pods of other attempts and of jobs that are no longer active are the orphan collection's (OrphanFinder).
            var current = (podsByJob.GetValueOrDefault(job.Id) ?? []).Where(p => AttemptOf(p) == job.Attempt).ToList();
            if (ForJob(job, current, nodes, nodesNotReady, now) is { } action)
            {
                actions.Add(action);
            }
        }

        return actions;
    }

    /// <summary>The step the next attempt starts from as the trainer last reported it, or step 0 without a checkpoint volume.</summary>
    private static string ResumesFrom(OperatorJob job) => CheckpointDurability.ResumesFrom(job);

    private ReconcileAction? ForJob(
        OperatorJob job, List<V1Pod> pods, IReadOnlySet<string> nodes, IReadOnlyDictionary<string, DateTimeOffset> notReady, DateTimeOffset now)
    {
        var expected = job.Placement?.Count ?? 0;
        switch (job.State)
        {
            case JobState.Preempted:
                // Requeue once no pod holds its GPUs: the grace period is the trainer's time to checkpoint.
                if (pods.All(PodOutcome.IsTerminal))
                {
                    var why = string.IsNullOrEmpty(job.Reason) ? string.Empty : $" ({job.Reason})";
                    return new MoveJob(job.Id, JobState.Queued, $"requeued after preemption{why}; {ResumesFrom(job)}", DeletePods: false);
                }

                // Stopped already, unless the operator went down between storing Preempted and deleting the pods, or a pod waits on
                // a node that is not ready, whose kubelet will never confirm the deletion.
                return pods.Any(p => !PodOutcome.IsTerminal(p) && (!PodOutcome.IsTerminating(p) || notReady.ContainsKey(p.Spec?.NodeName ?? string.Empty)))
                    ? new StopPods(job.Id)
                    : null;

            case JobState.Admitted or JobState.Running when expected == 0:
                // Holding resources without a placement (a row written by hand, a lost write): nothing says where its pods go.
                return new MoveJob(job.Id, JobState.Queued, $"{job.State} without a placement; requeued to be placed again", DeletePods: true);

            case JobState.Admitted or JobState.Running:
                if (pods.FirstOrDefault(p => !PodOutcome.IsTerminal(p) && p.Spec?.NodeName is { } node && !nodes.Contains(node)) is { } lost)
                {
                    return new MoveJob(job.Id, JobState.Queued,
                        $"node {lost.Spec.NodeName} was removed; requeued, {ResumesFrom(job)}", DeletePods: true);
                }

                if (NodeDown(job, pods, notReady, now) is { } down)
                {
                    return down;
                }

                if (Failure(job, pods) is { } failure)
                {
                    return failure;
                }

                if (expected > 0 && pods.Count == expected && pods.All(PodOutcome.IsSucceeded))
                {
                    return new MoveJob(job.Id, JobState.Succeeded, $"all {expected} pod(s) completed", DeletePods: false);
                }

                if (TimeLimitExceeded(job, now))
                {
                    return new MoveJob(job.Id, JobState.Failed, $"TimeLimit: ran longer than maxRuntime {job.Spec.MaxRuntime}", DeletePods: true);
                }

                if (job.State == JobState.Admitted)
                {
                    var present = pods.Select(RankOf).ToHashSet();
                    var missing = Enumerable.Range(0, expected).Where(r => !present.Contains(r)).ToList();
                    if (missing.Count > 0)
                    {
                        return new CreateMissingPods(job.Id, missing);
                    }

                    if (pods.All(p => PodOutcome.IsRunning(p) || PodOutcome.IsSucceeded(p)))
                    {
                        // A later attempt says where it picked up, so the timeline reads "preempted … resumed from checkpoint step N".
                        var resumed = job.Attempt > 1 && CheckpointDurability.IsDurable(job.Spec) && job.LastCheckpointStep is { } step
                            ? $"; resumed from checkpoint step {step.ToString(CultureInfo.InvariantCulture)}"
                            : string.Empty;
                        return new MoveJob(job.Id, JobState.Running, $"{expected} pod(s) running{resumed}", DeletePods: false);
                    }
                }
                else if (pods.Count < expected && pods.All(p => !PodOutcome.IsSucceeded(p)))
                {
                    return Retry(job, "pods disappeared (deleted outside the scheduler)");
                }

                return null;

            default:
                return null;
        }
    }

    /// <summary>
    /// A node of the job (its placement, or a live pod) not ready for longer than the grace: preempt the whole gang (persisted
    /// first, then every pod stopped) so it resumes elsewhere from its checkpoint. Within the grace the job is left alone.
    /// </summary>
    private MoveJob? NodeDown(OperatorJob job, List<V1Pod> pods, IReadOnlyDictionary<string, DateTimeOffset> notReady, DateTimeOffset now)
    {
        if (notReady.Count == 0)
        {
            return null;
        }

        var down = (job.Placement ?? []).Select(p => p.Node)
            .Concat(pods.Where(p => !PodOutcome.IsTerminal(p)).Select(p => p.Spec?.NodeName ?? string.Empty))
            .Where(n => notReady.TryGetValue(n, out var since) && now - since >= _grace)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
        return down is null
            ? null
            : new MoveJob(job.Id, JobState.Preempted,
                $"node {down} not ready since {notReady[down]:u}, longer than {_grace}", DeletePods: true);
    }

    private MoveJob? Failure(OperatorJob job, List<V1Pod> pods)
    {
        var failed = pods.Where(PodOutcome.IsFailed).ToList();
        if (failed.Count == 0)
        {
            return null;
        }

        var codes = failed.Select(PodOutcome.ExitCode).ToList();
        if (codes.FirstOrDefault(PodOutcome.IsSpecError) is { } specError)
        {
            return new MoveJob(job.Id, JobState.Failed,
                $"the trainer rejected the spec or its data (exit code {specError}); not retried", DeletePods: true);
        }

        if (codes.All(c => c == TrainerExitCodes.Checkpointed))
        {
            return new MoveJob(job.Id, JobState.Queued, $"stopped by SIGTERM after a checkpoint (exit 75); requeued, {ResumesFrom(job)}", DeletePods: true);
        }

        var first = failed.First(p => PodOutcome.ExitCode(p) != TrainerExitCodes.Checkpointed);
        var code = PodOutcome.ExitCode(first);
        var why = code is null
            ? $"pod {first.Name()} failed ({first.Status?.Reason ?? "no exit code"})"
            : $"pod {first.Name()} failed (exit code {code.Value.ToString(CultureInfo.InvariantCulture)})";
        return Retry(job, why);
    }

    /// <summary>Back to the queue as a failed attempt while fewer than the backoff limit failed, else Failed with <paramref name="why"/>.</summary>
    public MoveJob RetryOrFail(OperatorJob job, string why)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Retry(job, why);
    }

    private MoveJob Retry(OperatorJob job, string why) => job.FailedAttempts < backoffLimit
        ? new MoveJob(job.Id, JobState.Queued, $"{why}; retry {job.FailedAttempts + 1} of {backoffLimit}", DeletePods: true, CountsAsFailure: true)
        : new MoveJob(job.Id, JobState.Failed, $"{why}; backoff limit of {backoffLimit} retries reached", DeletePods: true);

    private static bool TimeLimitExceeded(OperatorJob job, DateTimeOffset now)
    {
        if (job.Spec.MaxRuntime is not { } text || job.StartedAt is not { } started)
        {
            return false;
        }

        return now - started > XmlConvert.ToTimeSpan(text);
    }

    private static int AttemptOf(V1Pod pod) => WorkloadLabels.AttemptOf(pod.Metadata);

    private static int RankOf(V1Pod pod) => WorkloadLabels.RankOf(pod.Metadata);
}
