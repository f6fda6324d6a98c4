using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Scheduler.Core.Decisions;
using Scheduler.Core.Snapshots;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Metrics;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>The pure scheduling core as the cycle calls it: snapshot in, decisions out.</summary>
public delegate CycleResult CoreSchedule(Snapshot snapshot);

/// <summary>
/// One operator cycle, in Kueue's order: (1) reconcile pods with stored job states, (2) snapshot, (3) run the core,
/// (4) apply decisions — persist first, then the API calls; preemptions before placements. Only the leader runs it.
/// </summary>
public sealed partial class SchedulingCycle(
    IOperatorStore store,
    ClusterInventory inventory,
    SnapshotBuilder snapshots,
    JobReconciler reconciler,
    CoreSchedule schedule,
    PodFactory pods,
    WorkloadClient workloads,
    SchedulerMetrics metrics,
    TimeProvider time,
    ILogger<SchedulingCycle> logger)
{
    /// <summary>The last cycle's pending reasons and reservations, for the dashboard.</summary>
    public CycleResult? LastResult { get; private set; }

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
        var snapshot = snapshots.Build(time.GetUtcNow(), inventory.Nodes, queues, jobs);
        var result = schedule(snapshot);
        var byId = jobs.ToDictionary(j => j.Id.ToString());
        await ApplyAsync(result, byId, snapshot, cancellationToken);
        LastResult = result;
        metrics.CycleDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
        RecordGauges(snapshot, jobs);
    }

    private async Task<bool> ReconcileAsync(IReadOnlyList<OperatorJob> jobs, CancellationToken cancellationToken)
    {
        var changed = false;
        var byId = jobs.ToDictionary(j => j.Id);
        foreach (var action in reconciler.Reconcile(jobs, inventory.Pods, time.GetUtcNow()))
        {
            switch (action)
            {
                case MoveJob move when byId.TryGetValue(move.JobId, out var job):
                    if (await store.TransitionAsync(job, move.To, move.Reason, cancellationToken))
                    {
                        changed = true;
                        LogTransition(job.Name, job.State, move.To, move.Reason);
                        if (move.DeletePods)
                        {
                            await DeletePodsAsync(job, null, cancellationToken);
                        }
                    }

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
            }
        }

        return changed;
    }

    private async Task ApplyAsync(CycleResult result, Dictionary<string, OperatorJob> jobs, Snapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var preempt in result.Preemptions)
        {
            if (!jobs.TryGetValue(preempt.JobId, out var victim))
            {
                continue;
            }

            if (await store.TransitionAsync(victim, JobState.Preempted, preempt.Message, cancellationToken))
            {
                metrics.Preemptions.WithLabels(victim.Queue, preempt.Reason == PreemptionReason.ReclaimLentQuota ? "reclaim" : "priority").Inc();
                await DeletePodsAsync(victim, null, cancellationToken);
            }
        }

        foreach (var place in result.Placements)
        {
            if (jobs.TryGetValue(place.JobId, out var job))
            {
                await PlaceAsync(job, place, cancellationToken);
            }
        }

        var reservations = result.Reservations.ToDictionary(r => r.JobId, r => r.At);
        foreach (var pending in result.PendingJobs)
        {
            if (jobs.TryGetValue(pending.JobId, out var job) && (job.PendingReason != pending.Reason || reservations.ContainsKey(pending.JobId)))
            {
                await store.SetPendingAsync(job.Id, pending.Reason, reservations.GetValueOrDefault(pending.JobId), cancellationToken);
            }
        }
    }

    /// <summary>Assume, then apply: the placement is stored first; if the API calls fail the job goes back to the queue.</summary>
    private async Task PlaceAsync(OperatorJob job, Place place, CancellationToken cancellationToken)
    {
        var shape = GangShape.Of(job.Spec);
        var placement = place.Pods
            .Select(p => new StoredPodPlacement(p.Rank, p.Node, p.GpuIndices, p.GpuMilli, shape.CpuMilliPerPod, shape.MemoryMiBPerPod))
            .ToList();
        var nodes = string.Join(", ", placement.Select(p => p.Node).Distinct());
        if (!await store.AdmitAsync(job, placement, $"placed on {nodes}", cancellationToken))
        {
            return;
        }

        var admitted = job with { Attempt = job.Attempt + 1, Placement = placement, State = JobState.Admitted };
        metrics.Placements.WithLabels(job.Queue, place.GpuType ?? "any").Inc();
        metrics.AdmissionWait.WithLabels(job.Queue).Observe(Math.Max(0, (time.GetUtcNow() - job.QueuedAt).TotalSeconds));
        try
        {
            await CreateObjectsAsync(admitted, placement, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPlacementFailed(ex, job.Name);
            var current = (await store.ActiveJobsAsync(cancellationToken)).FirstOrDefault(j => j.Id == job.Id);
            if (current is { State: JobState.Admitted })
            {
                await DeletePodsAsync(current, 0, cancellationToken);
                await store.TransitionAsync(current, JobState.Queued, $"could not create pods: {ex.Message}", cancellationToken);
            }
        }
    }

    private async Task CreateObjectsAsync(OperatorJob job, IReadOnlyList<StoredPodPlacement> placement, CancellationToken cancellationToken)
    {
        var workload = new JobWorkload(job.Id, job.Name, job.Queue, job.Namespace, job.Attempt, job.Spec,
            job.Placement!.Select(p => new PodPlacement(p.Rank, p.Node, p.GpuIndices, p.GpuMilli)).ToList(), job.PredictedRuntime);
        await workloads.EnsureSpecConfigMapAsync(pods.SpecConfigMap(workload), cancellationToken);
        await workloads.EnsureServiceAsync(pods.HeadlessService(workload), cancellationToken);
        foreach (var pod in placement)
        {
            var placed = new PodPlacement(pod.Rank, pod.Node, pod.GpuIndices, pod.GpuMilli);
            await workloads.EnsurePodBoundAsync(pods.Pod(workload, placed), pod.Node, cancellationToken);
        }
    }

    private async Task DeletePodsAsync(OperatorJob job, long? gracePeriodSeconds, CancellationToken cancellationToken)
    {
        foreach (var pod in inventory.PodsOfJob(job.Id).Where(p => !PodOutcome.IsTerminating(p)))
        {
            await workloads.DeletePodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty, gracePeriodSeconds, cancellationToken);
        }
    }

    private void RecordGauges(Snapshot snapshot, IReadOnlyList<OperatorJob> jobs)
    {
        foreach (var group in jobs.GroupBy(j => (j.Queue, j.State)))
        {
            metrics.Jobs.WithLabels(group.Key.Queue, group.Key.State.ToString()).Set(group.Count());
        }

        foreach (var node in snapshot.Nodes.Where(n => n.GpuType is not null))
        {
            metrics.GpuCapacity.WithLabels(node.Name, node.GpuType!).Set(node.GpuFreeMilli.Count);
            metrics.GpuAllocated.WithLabels(node.Name, node.GpuType!).Set(node.GpuFreeMilli.Sum(f => 1000 - f) / 1000.0);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Job {Job}: {From} -> {To} ({Reason})")]
    private partial void LogTransition(string job, JobState from, JobState to, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Job {Job}: could not create its pods; requeued")]
    private partial void LogPlacementFailed(Exception exception, string job);
}
