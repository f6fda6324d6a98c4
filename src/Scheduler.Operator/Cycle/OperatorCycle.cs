using System.Diagnostics;
using k8s.Models;
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
/// One operator cycle, in Kueue's order: (1) reconcile pods with stored job states (<see cref="Reconciler"/>), (2) build the
/// snapshot (<see cref="SnapshotBuilder"/>), (3) run the core, (4) apply its decisions (<see cref="DecisionApplier"/>: persist
/// first, then the API calls), (5) store the starts step 1 found (<see cref="Reconciler.StartRunningAsync(CancellationToken)"/>:
/// they change no capacity, so they come after the placements). Only the leader runs it, one at a time (<see cref="OperatorLoop"/>).
/// </summary>
public sealed class OperatorCycle(
    IOperatorStore store,
    ClusterInventory inventory,
    Reconciler reconciler,
    SnapshotBuilder snapshots,
    CoreSchedule schedule,
    DecisionApplier decisions,
    SchedulerMetrics metrics,
    TimeProvider time,
    ILogger<OperatorCycle> logger,
    PodCreationPipeline? pipeline = null)
{
    /// <summary>Cycles run so far by this instance.</summary>
    public int Count { get; private set; }

    /// <summary>The next cycle lists our Services for orphans too (a new leader collects what ended while nobody led).</summary>
    public void CollectOrphansNext() => reconciler.CollectOrphansNext();

    /// <summary>The next cycle reads every active job from PostgreSQL, not only what changed (after a failed cycle).</summary>
    public void ReadAllNext() => store.ReadAllNext();

    /// <summary>This replica acquired the Lease: begins a new leader term in PostgreSQL, fencing every write of an older one.</summary>
    public Task<LeadershipTerm> BeginTermAsync(string identity, CancellationToken cancellationToken) => store.BeginTermAsync(identity, cancellationToken);

    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        pipeline?.ThrowIfFenced();
        if (!inventory.IsSynced)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        var phase = started;
        var jobs = await store.ActiveJobsAsync(cancellationToken);
        var snapshotTime = Stopwatch.GetElapsedTime(phase);
        phase = Stopwatch.GetTimestamp();
        var reconciled = await reconciler.ReconcileAsync(jobs, cancellationToken);
        metrics.CyclePhase.WithLabels(CyclePhases.Reconcile).Observe(Stopwatch.GetElapsedTime(phase).TotalSeconds);
        phase = Stopwatch.GetTimestamp();
        if (reconciled)
        {
            jobs = await store.ActiveJobsAsync(cancellationToken);
        }

        var queues = await store.QueuesAsync(cancellationToken);
        var targets = await store.DependencyTargetsAsync(JobGate.DependencyIds(jobs), cancellationToken);
        var gate = JobGate.Apply(jobs, targets, JobGate.FreeGpuMilli(inventory.Nodes, jobs));
        var snapshot = snapshots.Build(time.GetUtcNow(), inventory.Nodes, queues, gate.Offered(jobs), LingeringPods(jobs, inventory.Pods, inventory.UnseenDeletions(PodCreationPipeline.WatchLag)), inventory.ForeignPods);
        metrics.CyclePhase.WithLabels(CyclePhases.Snapshot).Observe((snapshotTime + Stopwatch.GetElapsedTime(phase)).TotalSeconds);
        phase = Stopwatch.GetTimestamp();
        var result = schedule(snapshot);
        metrics.CyclePhase.WithLabels(CyclePhases.Core).Observe(Stopwatch.GetElapsedTime(phase).TotalSeconds);
        await decisions.ApplyAsync(result, jobs.ToDictionary(j => j.Id), cancellationToken);
        await ApplyGateAsync(gate, cancellationToken);
        phase = Stopwatch.GetTimestamp();
        await reconciler.StartRunningAsync(cancellationToken);
        metrics.CyclePhase.WithLabels(CyclePhases.Reconcile).Observe(Stopwatch.GetElapsedTime(phase).TotalSeconds);
        Count++;
        metrics.CycleDuration.Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>Cancels the jobs whose dependencies can never be met and records why the other held jobs wait (only where it changed).</summary>
    private async Task ApplyGateAsync(JobGateOutcome gate, CancellationToken cancellationToken)
    {
        foreach (var (job, reason) in gate.Cancel)
        {
            if (await store.TransitionAsync(job, JobState.Cancelled, reason, cancellationToken))
            {
                CycleLog.Transition(logger, job.Name, job.State, JobState.Cancelled, reason);
            }
        }

        var pending = gate.Pending
            .Where(g => g.Job.PendingReason != g.Reason || g.Job.PredictedStart is not null)
            .Select(g => new Application.Scheduling.PendingUpdate(g.Job.Id.Value, g.Reason, null))
            .ToList();
        await store.SetPendingAsync(pending, cancellationToken);
    }

    /// <summary>
    /// Pods that still hold GPUs but belong to no stored placement: a requeued attempt's pods, stopping within their grace period,
    /// and those we deleted before the watch showed them (<paramref name="unseenDeletions"/>).
    /// </summary>
    internal static List<JobPodPlacement> LingeringPods(IReadOnlyList<OperatorJob> jobs, IReadOnlyList<V1Pod> pods, IReadOnlyList<JobPodPlacement> unseenDeletions)
    {
        var placed = jobs.Where(j => JobStateMachine.HoldsResources(j.State) && j.Placement is not null)
            .Select(j => ((JobId?)j.Id, j.Attempt)).ToHashSet();
        return pods
            .Where(p => !PodOutcome.IsTerminal(p) && p.Spec?.NodeName is not null)
            .Where(p => !placed.Contains((WorkloadLabels.JobIdOf(p.Metadata), WorkloadLabels.AttemptOf(p.Metadata))))
            .Select(p => new JobPodPlacement(-1, p.Spec.NodeName, WorkloadLabels.GpuIndicesOf(p.Metadata), WorkloadLabels.GpuMilliOf(p.Metadata), 0, 0))
            .Concat(unseenDeletions.Select(d => d with { Rank = -1, CpuMilli = 0, MemoryMiB = 0 }))
            .ToList();
    }
}
