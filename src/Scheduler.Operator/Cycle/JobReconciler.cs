using System.Globalization;
using System.Xml;
using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Pure: compares each active job's stored state with its pods and says what to do. Pod outcomes drive the job's state:
/// all ranks running → Running; all succeeded → Succeeded; exit 64 → Failed (spec error, never retried); exit 75 or a vanished
/// node → requeue and resume from the checkpoint; any other failure → retry until the backoff limit, then Failed.
/// </summary>
public sealed class JobReconciler(int backoffLimit = 3)
{
    public IReadOnlyList<ReconcileAction> Reconcile(IReadOnlyList<OperatorJob> jobs, IReadOnlyList<V1Pod> pods, DateTimeOffset now)
    {
        var actions = new List<ReconcileAction>();
        var podsByJob = pods
            .Where(p => p.Metadata?.Labels?.ContainsKey(WorkloadLabels.JobId) == true)
            .GroupBy(p => p.Metadata.Labels[WorkloadLabels.JobId])
            .ToDictionary(g => g.Key, g => g.ToList());
        var active = jobs.ToDictionary(j => j.Id.ToString());

        foreach (var job in jobs)
        {
            var all = podsByJob.GetValueOrDefault(job.Id.ToString()) ?? [];
            var current = all.Where(p => AttemptOf(p) == job.Attempt).ToList();
            if (ForJob(job, current, now) is { } action)
            {
                actions.Add(action);
            }

            var stray = all.Where(p => AttemptOf(p) != job.Attempt && !PodOutcome.IsTerminating(p)).ToList();
            if (stray.Count > 0)
            {
                actions.Add(new DeleteStrayPods(job.Id, stray.Select(p => p.Name()).ToList(), stray[0].Namespace()));
            }
        }

        foreach (var (jobId, orphans) in podsByJob.Where(g => !active.ContainsKey(g.Key)))
        {
            var live = orphans.Where(p => !PodOutcome.IsTerminating(p) && !PodOutcome.IsSucceeded(p) && !PodOutcome.IsFailed(p)).ToList();
            if (live.Count > 0 && Guid.TryParse(jobId, out var id))
            {
                actions.Add(new DeleteStrayPods(id, live.Select(p => p.Name()).ToList(), live[0].Namespace()));
            }
        }

        return actions;
    }

    private ReconcileAction? ForJob(OperatorJob job, List<V1Pod> pods, DateTimeOffset now)
    {
        var expected = job.Placement?.Count ?? 0;
        switch (job.State)
        {
            case JobState.Preempted:
                // Requeue only when every pod is gone: the grace period is the trainer's time to checkpoint.
                return pods.Count == 0 ? new MoveJob(job.Id, JobState.Queued, "requeued after preemption; resumes from its last checkpoint", false) : null;

            case JobState.Admitted or JobState.Running:
                if (Failure(job, pods) is { } failure)
                {
                    return failure;
                }

                if (expected > 0 && pods.Count == expected && pods.All(PodOutcome.IsSucceeded))
                {
                    return new MoveJob(job.Id, JobState.Succeeded, "all pods completed", true);
                }

                if (TimeLimitExceeded(job, now))
                {
                    return new MoveJob(job.Id, JobState.Failed, $"TimeLimit: ran longer than maxRuntime {job.Spec.MaxRuntime}", true);
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
                        return new MoveJob(job.Id, JobState.Running, $"{expected} pod(s) running", false);
                    }
                }
                else if (pods.Count < expected && pods.All(p => !PodOutcome.IsSucceeded(p)))
                {
                    return Retry(job, "pods disappeared (node removed or pods deleted outside the scheduler)");
                }

                return null;

            default:
                return null;
        }
    }

    private MoveJob? Failure(OperatorJob job, List<V1Pod> pods)
    {
        var failed = pods.Where(PodOutcome.IsFailed).ToList();
        if (failed.Count == 0)
        {
            return null;
        }

        var codes = failed.Select(PodOutcome.ExitCode).ToList();
        if (codes.Contains(PodOutcome.InvalidSpec))
        {
            return new MoveJob(job.Id, JobState.Failed, "the trainer rejected the spec (exit code 64); not retried", true);
        }

        if (codes.All(c => c == PodOutcome.Checkpointed))
        {
            return new MoveJob(job.Id, JobState.Queued, "stopped by SIGTERM after a checkpoint (exit 75); requeued to resume", true);
        }

        var code = codes.FirstOrDefault(c => c is not null and not PodOutcome.Checkpointed);
        return Retry(job, $"pod {failed[0].Name()} failed (exit code {code?.ToString(CultureInfo.InvariantCulture) ?? "unknown"})");
    }

    private MoveJob Retry(OperatorJob job, string why) => job.Attempt < backoffLimit
        ? new MoveJob(job.Id, JobState.Queued, $"{why}; retry {job.Attempt} of {backoffLimit}", true)
        : new MoveJob(job.Id, JobState.Failed, $"{why}; backoff limit of {backoffLimit} attempts reached", true);

    private static bool TimeLimitExceeded(OperatorJob job, DateTimeOffset now)
    {
        if (job.Spec.MaxRuntime is not { } text || job.StartedAt is not { } started)
        {
            return false;
        }

        return now - started > XmlConvert.ToTimeSpan(text);
    }

    private static int AttemptOf(V1Pod pod) =>
        pod.Metadata?.Labels?.TryGetValue(WorkloadLabels.Attempt, out var a) == true && int.TryParse(a, CultureInfo.InvariantCulture, out var n) ? n : -1;

    private static int RankOf(V1Pod pod) =>
        pod.Metadata?.Labels?.TryGetValue(WorkloadLabels.Rank, out var r) == true && int.TryParse(r, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
