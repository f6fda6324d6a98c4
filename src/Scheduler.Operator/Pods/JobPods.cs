using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Pods;

/// <summary>
/// The API calls on one job's pods, shared by the reconciler and the decision applier: create the attempt's Service and bound
/// pods, stop its live pods gracefully, delete an attempt's pods by name, ask the API server whether any still runs.
/// </summary>
public sealed class JobPods(PodFactory factory, WorkloadClient workloads, ClusterInventory inventory, LeadershipTerm? term = null)
{
    /// <summary>
    /// The headless Service (a job of several pods: <see cref="PodFactory.NeedsService"/>), then the pods of
    /// <paramref name="placement"/> (the job's placement or some of its ranks), each created bound to its node (idempotent by name).
    /// </summary>
    public async Task CreateAsync(OperatorJob job, IReadOnlyList<JobPodPlacement> placement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(placement);
        if (PodFactory.NeedsService(job))
        {
            var service = factory.HeadlessService(job);
            Stamp(service.Metadata);
            await workloads.EnsureServiceAsync(service, cancellationToken);
        }

        foreach (var pod in placement)
        {
            var created = factory.Pod(job, pod);
            Stamp(created.Metadata);
            await workloads.EnsurePodBoundAsync(created, pod.Node, cancellationToken);
        }
    }

    /// <summary>
    /// Stops the job's live pods with their grace period (SIGTERM, time to checkpoint). Pods on a node that is not ready are
    /// deleted at once (grace 0), terminating ones included: their kubelet cannot confirm a graceful deletion, and the node
    /// kills their containers when it comes back.
    /// </summary>
    public async Task StopAsync(JobId jobId, CancellationToken cancellationToken, IReadOnlyDictionary<string, DateTimeOffset>? notReady = null)
    {
        foreach (var pod in inventory.PodsOfJob(jobId).Where(p => !PodOutcome.IsTerminal(p)))
        {
            var nodeDown = notReady?.ContainsKey(pod.Spec?.NodeName ?? string.Empty) == true;
            if (nodeDown || !PodOutcome.IsTerminating(pod))
            {
                await workloads.DeletePodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, nodeDown ? 0 : null, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Deletes the pods of the job's current attempt by name, not from the inventory: pods just created may not have reached
    /// the watch yet, and one left behind would hold its GPUs while the next cycle, not seeing it either, places the job again.
    /// A deleted pod the watch has not shown stays counted as holding its GPUs (<see cref="ClusterInventory.ExpectDeletion"/>):
    /// it may take its grace period to stop, and the next cycle must not hand those GPUs to the job's next attempt.
    /// </summary>
    public async Task DeleteAttemptAsync(OperatorJob job, IReadOnlyList<JobPodPlacement> placement, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(placement);
        foreach (var pod in placement)
        {
            var name = WorkloadNames.Pod(job.Name, job.Id, job.Attempt, pod.Rank);
            // Expected before the call, so that a watch event arriving before the call returns ends the expectation.
            var expected = inventory.ExpectDeletion(job.Namespace, name, pod);
            if (!await workloads.DeletePodAsync(name, job.Namespace, null, cancellationToken) && expected)
            {
                inventory.ForgetDeletion(job.Namespace, name); // never created: it holds nothing
            }
        }
    }

    /// <summary>
    /// Asks the API server, not the watched inventory, whether a pod of the job's attempt has not ended: a victim preempted
    /// right after its placement may have pods the watch has not shown yet, and requeueing it would hand over GPUs they hold.
    /// </summary>
    public async Task<bool> AnyLiveAsync(OperatorJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return (await workloads.ListPodsOfJobAsync(job.Id, cancellationToken))
            .Any(p => WorkloadLabels.AttemptOf(p.Metadata) == job.Attempt && !PodOutcome.IsTerminal(p));
    }

    /// <summary>The installation id of our database on what we create: the orphan collection of another installation leaves it alone.</summary>
    private void Stamp(V1ObjectMeta metadata)
    {
        if (term?.InstallationId is { } installation)
        {
            metadata.Labels ??= new Dictionary<string, string>();
            metadata.Labels[WorkloadLabels.Installation] = installation.ToString();
        }
    }

    /// <summary>Deletes the job's Service; a single-pod job has none (one made by an older version goes with the orphan sweep).</summary>
    public Task DeleteServiceAsync(OperatorJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return PodFactory.NeedsService(job)
            ? workloads.DeleteServiceAsync(WorkloadNames.Service(job.Name, job.Id), job.Namespace, cancellationToken)
            : Task.CompletedTask;
    }
}
