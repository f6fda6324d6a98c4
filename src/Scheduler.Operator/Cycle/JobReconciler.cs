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
/// OOMKilled → Failed (a rerun runs out of memory the same way); exit 75, a removed node or a disrupted pod (evicted, the
/// <c>DisruptionTarget</c> condition) → requeue and resume from the checkpoint without counting as a failure; any other
/// failure → retry while fewer than <paramref name="backoffLimit"/> attempts failed, then Failed. A node not ready for
/// longer than <paramref name="nodeNotReadyGrace"/> (default 2 minutes) preempts the jobs placed on it: the whole gang
/// stops and is requeued, as a preemption is, without counting as a failure. A container that cannot start (image pull,
/// missing Secret) for longer than <paramref name="containerStartTimeout"/> (default 5 minutes) fails the job. Reasons
/// of failures, disruptions and node losses start with their <see cref="EndReasons"/> code.
/// </summary>
public sealed class JobReconciler(int backoffLimit = 3, TimeSpan? nodeNotReadyGrace = null, TimeSpan? containerStartTimeout = null)
{
    public static readonly TimeSpan DefaultNodeNotReadyGrace = TimeSpan.FromMinutes(2);

    public static readonly TimeSpan DefaultContainerStartTimeout = TimeSpan.FromMinutes(5);

    private readonly TimeSpan _grace = nodeNotReadyGrace ?? DefaultNodeNotReadyGrace;

    private readonly TimeSpan _startTimeout = containerStartTimeout ?? DefaultContainerStartTimeout;

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
                    // A requeue a person asked for stops as a preemption does; its history says which it was.
                    var after = job.Reason?.StartsWith(Job.RequeuedReason, StringComparison.Ordinal) == true ? "requeued" : "requeued after preemption";
                    return new MoveJob(job.Id, JobState.Queued, $"{after}{why}; {ResumesFrom(job)}", DeletePods: false);
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
                    return new MoveJob(job.Id, JobState.Queued, EndReasons.Format(EndReasons.NodeLost,
                        $"node {lost.Spec.NodeName} was removed; requeued, not counted against the backoff limit; {ResumesFrom(job)}"), DeletePods: true);
                }

                if (NodeDown(job, pods, notReady, now) is { } down)
                {
                    return down;
                }

                if (Disrupted(job, pods) is { } disrupted)
                {
                    return disrupted;
                }

                if (Failure(job, pods) is { } failure)
                {
                    return failure;
                }

                if (CannotStart(job, pods, now) is { } stuck)
                {
                    return stuck;
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
                    // A pod created but never bound (a crash between the create and the binding) is missing too: no kubelet runs it,
                    // and ensuring it again binds it (the create is answered 409 and ignored).
                    var present = pods.Where(p => PodOutcome.IsTerminal(p) || !string.IsNullOrEmpty(p.Spec?.NodeName)).Select(RankOf).ToHashSet();
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
                    return Retry(job, "pods disappeared (deleted outside the scheduler)", code: null);
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
            : new MoveJob(job.Id, JobState.Preempted, EndReasons.Format(EndReasons.NodeNotReady,
                $"node {down} not ready since {notReady[down]:u}, longer than {_grace}; requeued, not counted against the backoff limit"), DeletePods: true);
    }

    /// <summary>
    /// A pod the cluster stopped (evicted under node pressure, drained, deleted by the taint manager): the whole gang goes back
    /// to the queue, as Kueue and the pod failure policy treat a disruption, without counting against the backoff limit.
    /// </summary>
    private static MoveJob? Disrupted(OperatorJob job, List<V1Pod> pods)
    {
        var disrupted = pods.Where(PodOutcome.IsFailed).Select(p => (Pod: p, Why: PodFailures.Disruption(p))).FirstOrDefault(p => p.Why is not null);
        return disrupted.Pod is null
            ? null
            : new MoveJob(job.Id, JobState.Queued, EndReasons.Format(EndReasons.Evicted,
                $"pod {disrupted.Pod.Name()} was stopped by the cluster ({disrupted.Why}); requeued, not counted against the backoff limit; {ResumesFrom(job)}"),
                DeletePods: true);
    }

    /// <summary>
    /// A container waiting on its image or its configuration longer than the configured wait: Failed, since neither clears
    /// without a person (a pending pod would otherwise hold its GPUs forever). Within the wait the job is left alone.
    /// </summary>
    private MoveJob? CannotStart(OperatorJob job, List<V1Pod> pods, DateTimeOffset now)
    {
        var stuck = pods.Select(p => (Pod: p, Stuck: PodFailures.Stuck(p))).FirstOrDefault(p => p.Stuck is not null && now - p.Stuck.Since >= _startTimeout);
        if (stuck.Stuck is not { } container)
        {
            return null;
        }

        var image = container.Reason is "CreateContainerConfigError" or "CreateContainerError";
        var code = image ? EndReasons.CreateContainerConfigError : EndReasons.ImagePullBackOff;
        var advice = image
            ? "check the Secrets, ConfigMaps and volumes the container names"
            : $"check the image name{(container.Image is null ? string.Empty : $" '{container.Image}'")} and the registry's pull secret";
        var message = string.IsNullOrEmpty(container.Message) ? string.Empty : $": {container.Message}";
        return new MoveJob(job.Id, JobState.Failed, EndReasons.Format(code,
            $"pod {stuck.Pod.Name()} could not start its container for {_startTimeout} ({container.Reason}{message}); {advice}"), DeletePods: true);
    }

    private MoveJob? Failure(OperatorJob job, List<V1Pod> pods)
    {
        var failed = pods.Where(PodOutcome.IsFailed).ToList();
        if (failed.Count == 0)
        {
            return null;
        }

        if (failed.FirstOrDefault(PodFailures.IsOomKilled) is { } oom)
        {
            var limit = PodFailures.MemoryLimit(oom) is { } l ? $" of {l}" : string.Empty;
            return new MoveJob(job.Id, JobState.Failed, EndReasons.Format(EndReasons.OomKilled,
                $"pod {oom.Name()} (rank {RankOf(oom).ToString(CultureInfo.InvariantCulture)}) was killed for exceeding its memory limit{limit}; " +
                "not retried: raise container.memory, or lower training.microBatchSize or turn on activation checkpointing"), DeletePods: true);
        }

        var codes = failed.Select(PodOutcome.ExitCode).ToList();
        if (codes.FirstOrDefault(PodOutcome.IsSpecError) is { } specError)
        {
            return new MoveJob(job.Id, JobState.Failed, EndReasons.Format(EndReasons.InvalidSpec,
                $"the trainer rejected the spec or its data (exit code {specError}: {TrainerExitCodes.Meaning(specError)}); not retried"), DeletePods: true);
        }

        if (codes.All(c => c == TrainerExitCodes.Checkpointed))
        {
            return new MoveJob(job.Id, JobState.Queued, $"stopped by SIGTERM after a checkpoint (exit 75); requeued, {ResumesFrom(job)}", DeletePods: true);
        }

        var first = failed.First(p => PodOutcome.ExitCode(p) != TrainerExitCodes.Checkpointed);
        var code = PodOutcome.ExitCode(first);
        var why = code is null
            ? $"pod {first.Name()} failed ({first.Status?.Reason ?? "no exit code"})"
            : $"pod {first.Name()} failed (exit code {code.Value.ToString(CultureInfo.InvariantCulture)}: {TrainerExitCodes.Meaning(code.Value)})";
        return Retry(job, why);
    }

    /// <summary>Back to the queue as a failed attempt while fewer than the backoff limit failed, else Failed with <paramref name="why"/>.</summary>
    public MoveJob RetryOrFail(OperatorJob job, string why)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Retry(job, why, EndReasons.PodRefused);
    }

    /// <summary>A retry within the backoff limit (<paramref name="code"/> leads the reason, when there is one), else Failed.</summary>
    private MoveJob Retry(OperatorJob job, string why, string? code = EndReasons.ExitCode) => job.FailedAttempts < backoffLimit
        ? new MoveJob(job.Id, JobState.Queued, code is null ? $"{why}; retry {job.FailedAttempts + 1} of {backoffLimit}" : EndReasons.Format(code, $"{why}; retry {job.FailedAttempts + 1} of {backoffLimit}"),
            DeletePods: true, CountsAsFailure: true)
        : new MoveJob(job.Id, JobState.Failed, EndReasons.Format(EndReasons.BackoffLimitExceeded, $"{why}; backoff limit of {backoffLimit} retries reached"),
            DeletePods: true);

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
