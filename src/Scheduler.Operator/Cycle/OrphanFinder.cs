using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Pure: which of the pods and headless Services we created belong to nothing the scheduler still runs. Only objects with
/// our labels count (<c>app.kubernetes.io/managed-by=gpu-scheduler</c> and a job id); anything else is never touched.
/// <list type="bullet">
/// <item>pods of an older attempt of an active job: deleted (the current attempt's pods of a job that holds resources are the reconciler's, never touched here);</item>
/// <item>pods of a queued job, its last attempt's included: deleted. Every move back to the queue deletes them after storing
/// the move, so these are what a leader that died in between left behind; the reconciler ignores queued jobs, and the pods
/// would hold their GPUs until the next admission, which for a gang needing those GPUs never comes;</item>
/// <item>live pods of a job that is not active (finished, cancelled, or unknown to PostgreSQL): deleted, with the job's Service;</item>
/// <item>finished pods of such a job: deleted once they ended more than <paramref name="finishedPodRetention"/> ago (kept that
/// long for <c>kubectl logs</c>);</item>
/// <item>Services of such a job: deleted (when the cycle lists them: <paramref name="finishedPodRetention"/> does not apply).</item>
/// </list>
/// </summary>
public sealed class OrphanFinder(TimeSpan finishedPodRetention)
{
    public static readonly TimeSpan DefaultFinishedPodRetention = TimeSpan.FromHours(1);

    /// <param name="jobs">The active jobs.</param>
    /// <param name="pods">The pods we own (the watched inventory).</param>
    /// <param name="services">Our Services, when this cycle listed them; null: pods only.</param>
    public IReadOnlyList<ReconcileAction> Find(IReadOnlyList<OperatorJob> jobs, IReadOnlyList<V1Pod> pods, IReadOnlyList<V1Service>? services, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        ArgumentNullException.ThrowIfNull(pods);
        var attempts = jobs.ToDictionary(j => j.Id, j => j.Attempt);
        // Pods of attempts before this one are stray: a queued job (holding nothing) wants none of its pods.
        var wantedFrom = jobs.ToDictionary(j => j.Id, j => JobStateMachine.HoldsResources(j.State) ? j.Attempt : j.Attempt + 1);
        var actions = new List<ReconcileAction>();
        var servicesDeleted = new HashSet<(string Namespace, string Name)>();
        foreach (var byJob in pods.Where(p => !PodOutcome.IsTerminating(p)).GroupBy(p => WorkloadLabels.JobIdOf(p.Metadata)).Where(g => g.Key is not null))
        {
            var jobId = byJob.Key!.Value;
            var orphans = wantedFrom.TryGetValue(jobId, out var wanted)
                ? byJob.Where(p => WorkloadLabels.AttemptOf(p.Metadata) < wanted)
                : byJob.Where(p => !PodOutcome.IsTerminal(p) || now - FinishedAt(p) >= finishedPodRetention);
            foreach (var group in orphans.GroupBy(p => p.Namespace()))
            {
                actions.Add(new DeleteStrayPods(jobId, group.Select(p => p.Name()).Order(StringComparer.Ordinal).ToList(), group.Key));
                if (!attempts.ContainsKey(jobId) && group.Any(p => !PodOutcome.IsTerminal(p))
                    && group.First().Metadata.Labels.TryGetValue(WorkloadLabels.JobName, out var jobName))
                {
                    var service = (group.Key, WorkloadNames.Service(jobName, jobId));
                    servicesDeleted.Add(service);
                    actions.Add(new DeleteJobService(jobId, service.Item2, group.Key));
                }
            }
        }

        foreach (var service in services ?? [])
        {
            if (WorkloadLabels.JobIdOf(service.Metadata) is { } jobId && !attempts.ContainsKey(jobId) && service.Metadata.DeletionTimestamp is null
                && servicesDeleted.Add((service.Namespace(), service.Name())))
            {
                actions.Add(new DeleteJobService(jobId, service.Name(), service.Namespace()));
            }
        }

        return actions;
    }

    /// <summary>When the pod's containers ended (else its last condition change, else its creation).</summary>
    private static DateTimeOffset FinishedAt(V1Pod pod)
    {
        var finished = pod.Status?.ContainerStatuses?.Select(s => s.State?.Terminated?.FinishedAt).Where(t => t is not null).Max()
                       ?? pod.Status?.Conditions?.Select(c => c.LastTransitionTime).Where(t => t is not null).Max()
                       ?? pod.Metadata?.CreationTimestamp;
        return finished is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : DateTimeOffset.MinValue;
    }
}
