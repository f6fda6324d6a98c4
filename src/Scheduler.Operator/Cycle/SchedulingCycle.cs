using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Scheduler.Application.Scheduling;
using Scheduler.Core.Decisions;
using Scheduler.Core.Snapshots;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Metrics;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>The pure scheduling core as the cycle calls it: snapshot in, decisions out.</summary>
public delegate CycleResult CoreSchedule(Snapshot snapshot);

/// <summary>
/// One operator cycle, in Kueue's order: (1) reconcile pods with stored job states, (2) snapshot, (3) run the core,
/// (4) apply decisions — persist first, then the API calls; preemptions before placements. Only the leader runs it,
/// one at a time (<see cref="OperatorLoop"/>).
/// </summary>
public sealed partial class SchedulingCycle(
    IOperatorStore store,
    ClusterInventory inventory,
    SnapshotBuilder snapshots,
    JobReconciler reconciler,
    OrphanFinder orphans,
    CoreSchedule schedule,
    PodFactory pods,
    WorkloadClient workloads,
    SchedulerMetrics metrics,
    TimeProvider time,
    OperatorSettings settings,
    ILogger<SchedulingCycle> logger)
{
    private DateTimeOffset _nextServiceSweep = DateTimeOffset.MinValue;

    /// <summary>The last cycle's decisions (pending reasons and reservations), for the dashboard.</summary>
    public CycleResult? LastResult { get; private set; }

    /// <summary>Cycles run so far by this instance.</summary>
    public int Count { get; private set; }

    /// <summary>The next cycle lists our Services for orphans too (a new leader collects what ended while nobody led).</summary>
    public void CollectOrphansNext() => _nextServiceSweep = DateTimeOffset.MinValue;

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        if (!inventory.IsSynced)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var jobs = await store.ActiveJobsAsync(cancellationToken);
        if (await ReconcileAsync(jobs, cancellationToken))
        {
            jobs = await store.ActiveJobsAsync(cancellationToken);
        }

        var queues = await store.QueuesAsync(cancellationToken);
        var snapshot = snapshots.Build(time.GetUtcNow(), inventory.Nodes, queues, jobs, LingeringPods(jobs), inventory.ForeignPods);
        var result = schedule(snapshot);
        await ApplyAsync(result, jobs.ToDictionary(j => j.Id.ToString()), cancellationToken);
        LastResult = result;
        Count++;
        metrics.CycleDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    private async Task<bool> ReconcileAsync(IReadOnlyList<OperatorJob> jobs, CancellationToken cancellationToken)
    {
        var changed = false;
        var byId = jobs.ToDictionary(j => j.Id);
        var notReady = inventory.NotReadyNodes;
        var now = time.GetUtcNow();
        var pods = inventory.Pods;
        var actions = reconciler.Reconcile(jobs, pods, inventory.NodeNames, now, notReady)
            .Concat(orphans.Find(jobs, pods, await ServicesToSweepAsync(now, cancellationToken), now));
        foreach (var action in actions)
        {
            switch (action)
            {
                case MoveJob move when byId.TryGetValue(move.JobId, out var job):
                    if (job.State == JobState.Preempted && move.To == JobState.Queued && await StillRunsPodsAsync(job, cancellationToken))
                    {
                        break;
                    }

                    var moved = move.CountsAsFailure
                        ? await store.RetryAsync(job, move.Reason, cancellationToken)
                        : await store.TransitionAsync(job, move.To, move.Reason, cancellationToken);
                    if (!moved)
                    {
                        break;
                    }

                    changed = true;
                    LogTransition(job.Name, job.State, move.To, move.Reason);
                    if (move.To == JobState.Preempted)
                    {
                        metrics.RecordPreemption(job.Queue, "node-not-ready");
                    }

                    if (move.DeletePods)
                    {
                        await DeletePodsAsync(job.Id, cancellationToken, notReady);
                    }

                    if (JobStateMachine.IsFinal(move.To))
                    {
                        await workloads.DeleteServiceAsync(WorkloadNames.Service(job.Name, job.Id), job.Namespace, cancellationToken);
                    }

                    break;
                case StopPods stop:
                    await DeletePodsAsync(stop.JobId, cancellationToken, notReady);
                    break;
                case CreateMissingPods missing when byId.TryGetValue(missing.JobId, out var job):
                    await CreateObjectsAsync(job, job.Placement!.Where(p => missing.Ranks.Contains(p.Rank)).ToList(), cancellationToken);
                    break;
                case DeleteStrayPods stray:
                    foreach (var name in stray.PodNames)
                    {
                        await workloads.DeletePodAsync(name, stray.Namespace, null, cancellationToken);
                    }

                    break;
                case DeleteJobService service:
                    await workloads.DeleteServiceAsync(service.ServiceName, service.Namespace, cancellationToken);
                    break;
            }
        }

        return changed;
    }

    /// <summary>
    /// Asks the API server, not the watched inventory, whether a pod of the job's attempt has not ended: a victim preempted
    /// right after its placement may have pods the watch has not shown yet, and requeueing it would hand over GPUs they hold.
    /// </summary>
    private async Task<bool> StillRunsPodsAsync(OperatorJob job, CancellationToken cancellationToken) =>
        (await workloads.ListPodsOfJobAsync(job.Id, cancellationToken))
        .Any(p => WorkloadLabels.AttemptOf(p.Metadata) == job.Attempt && !PodOutcome.IsTerminal(p));

    /// <summary>Our Services when a sweep is due (every <c>Scheduler:Intervals:OrphanCollection</c>); null otherwise.</summary>
    private async Task<IReadOnlyList<V1Service>?> ServicesToSweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now < _nextServiceSweep)
        {
            return null;
        }

        var services = await workloads.ListServicesAsync(cancellationToken);
        _nextServiceSweep = now + settings.Intervals.OrphanCollection;
        return services;
    }

    private async Task ApplyAsync(CycleResult result, Dictionary<string, OperatorJob> jobs, CancellationToken cancellationToken)
    {
        foreach (var preempt in result.Preemptions)
        {
            if (jobs.TryGetValue(preempt.JobId, out var victim) && await store.TransitionAsync(victim, JobState.Preempted, preempt.Message, cancellationToken))
            {
                LogTransition(victim.Name, victim.State, JobState.Preempted, preempt.Message);
                metrics.Preemptions.WithLabels(victim.Queue, preempt.Reason == PreemptionReason.ReclaimLentQuota ? "reclaim" : "priority").Inc();
                // The pods' own grace period (the policy's): SIGTERM now, time to commit a checkpoint, then requeue.
                await DeletePodsAsync(victim.Id, cancellationToken);
            }
        }

        foreach (var place in result.Placements)
        {
            if (jobs.TryGetValue(place.JobId, out var job))
            {
                await PlaceAsync(job, place, cancellationToken);
            }
        }

        var reservations = result.Reservations.ToDictionary(r => r.JobId, r => (DateTimeOffset?)r.At);
        var pending = result.PendingJobs
            .Where(p => jobs.TryGetValue(p.JobId, out var job)
                        && (job.PendingReason != p.Reason || job.PredictedStart != reservations.GetValueOrDefault(p.JobId)))
            .Select(p => new PendingUpdate(jobs[p.JobId].Id, p.Reason, reservations.GetValueOrDefault(p.JobId)))
            .ToList();
        await store.SetPendingAsync(pending, cancellationToken);
    }

    /// <summary>Assume, then apply: the placement is stored first; if the API calls fail the job goes back to the queue.</summary>
    private async Task PlaceAsync(OperatorJob job, Place place, CancellationToken cancellationToken)
    {
        var shape = GangShape.Of(job.Spec);
        var placement = place.Pods
            .Select(p => new JobPodPlacement(p.Rank, p.Node, p.GpuIndices, p.GpuMilli, shape.CpuMilliPerPod, shape.MemoryMiBPerPod))
            .ToList();
        var nodes = string.Join(", ", placement.Select(p => p.Node).Distinct());
        if (await store.AdmitAsync(job, placement, $"placed on {nodes}", cancellationToken) is not { } admitted)
        {
            return;
        }

        LogTransition(job.Name, job.State, JobState.Admitted, $"placed on {nodes}");
        metrics.Placements.WithLabels(job.Queue, place.GpuType ?? "any").Inc();
        metrics.AdmissionWait.WithLabels(job.Queue).Observe(Math.Max(0, (time.GetUtcNow() - job.QueuedAt).TotalSeconds));
        try
        {
            await CreateObjectsAsync(admitted, placement, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPlacementFailed(ex, job.Name);
            // By name, not from the inventory: the pods this attempt just created may not have reached the watch yet, and one
            // left behind would hold its GPUs while the next cycle, not seeing it either, places the job again on them.
            foreach (var pod in placement)
            {
                await workloads.DeletePodAsync(WorkloadNames.Pod(admitted.Name, admitted.Id, admitted.Attempt, pod.Rank), admitted.Namespace, null, cancellationToken);
            }

            await store.TransitionAsync(admitted, JobState.Queued, $"could not create its pods: {ex.Message}", cancellationToken);
        }
    }

    private async Task CreateObjectsAsync(OperatorJob job, IReadOnlyList<JobPodPlacement> placement, CancellationToken cancellationToken)
    {
        var workload = new JobWorkload(job.Id, job.Name, job.Queue, job.Namespace, job.Attempt, job.Spec,
            job.Placement!.Select(p => new PodPlacement(p.Rank, p.Node, p.GpuIndices, p.GpuMilli)).ToList(), job.PredictedRuntime, job.Progress);
        await workloads.EnsureServiceAsync(pods.HeadlessService(workload), cancellationToken);
        foreach (var pod in placement)
        {
            var placed = new PodPlacement(pod.Rank, pod.Node, pod.GpuIndices, pod.GpuMilli);
            await workloads.EnsurePodBoundAsync(pods.Pod(workload, placed), pod.Node, cancellationToken);
        }
    }

    /// <summary>
    /// Stops the job's live pods with their grace period (SIGTERM, time to checkpoint). Pods on a node that is not ready are
    /// deleted at once (grace 0), terminating ones included: their kubelet cannot confirm a graceful deletion, and the node
    /// kills their containers when it comes back.
    /// </summary>
    private async Task DeletePodsAsync(Guid jobId, CancellationToken cancellationToken, IReadOnlyDictionary<string, DateTimeOffset>? notReady = null)
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

    /// <summary>Pods that still hold GPUs but belong to no stored placement: a requeued attempt's pods, stopping within their grace period.</summary>
    private List<JobPodPlacement> LingeringPods(IReadOnlyList<OperatorJob> jobs)
    {
        var placed = jobs.Where(j => JobStateMachine.HoldsResources(j.State) && j.Placement is not null)
            .Select(j => ((Guid?)j.Id, j.Attempt)).ToHashSet();
        return inventory.Pods
            .Where(p => !PodOutcome.IsTerminal(p) && p.Spec?.NodeName is not null)
            .Where(p => !placed.Contains((WorkloadLabels.JobIdOf(p.Metadata), WorkloadLabels.AttemptOf(p.Metadata))))
            .Select(ToPlacement)
            .ToList();
    }

    private static JobPodPlacement ToPlacement(V1Pod pod) =>
        new(-1, pod.Spec.NodeName, WorkloadLabels.GpuIndicesOf(pod.Metadata), WorkloadLabels.GpuMilliOf(pod.Metadata), 0, 0);

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Job {Job}: {From} -> {To} ({Reason})")]
    private partial void LogTransition(string job, JobState from, JobState to, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Job {Job}: could not create its pods; requeued")]
    private partial void LogPlacementFailed(Exception exception, string job);
}
