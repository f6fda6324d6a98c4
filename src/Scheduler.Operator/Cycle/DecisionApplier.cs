using Microsoft.Extensions.Logging;
using Scheduler.Application.Scheduling;
using Scheduler.Core.Decisions;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Metrics;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Step 4 of the cycle: carries out the core's decisions. Preemptions first (persist Preempted, then delete the victims' pods
/// with their grace period), then placements ("assume, then apply": the placement is stored first, then the pods are created
/// and bound; if the API calls fail the job goes back to the queue, as a failed attempt when the API server refused the pods:
/// <see cref="PodCreation"/>), then the pending reasons and reservations.
/// </summary>
public sealed class DecisionApplier(IOperatorStore store, JobPods pods, PodCreation creation, SchedulerMetrics metrics, TimeProvider time, ILogger<DecisionApplier> logger)
{
    /// <param name="jobs">The active jobs the snapshot was built from; a decision about any other job is dropped.</param>
    public async Task ApplyAsync(CycleResult result, IReadOnlyDictionary<JobId, OperatorJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(jobs);
        foreach (var preempt in result.Preemptions)
        {
            if (Find(jobs, preempt) is { } victim && await store.TransitionAsync(victim, JobState.Preempted, preempt.Message, cancellationToken))
            {
                CycleLog.Transition(logger, victim.Name, victim.State, JobState.Preempted, preempt.Message);
                metrics.Preemptions.WithLabels(victim.Queue, preempt.Reason == PreemptionReason.ReclaimLentQuota ? "reclaim" : "priority").Inc();
                // The pods' own grace period (the policy's): SIGTERM now, time to commit a checkpoint, then requeue.
                await pods.StopAsync(victim.Id, cancellationToken);
            }
        }

        foreach (var place in result.Placements)
        {
            if (Find(jobs, place) is { } job)
            {
                try
                {
                    await PlaceAsync(job, place, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not StaleLeaderException)
                {
                    // A failure of one placement (its store write) stays with that job: the other placements still apply.
                    CycleLog.ActionFailed(logger, ex, job.Name, nameof(Place));
                }
            }
        }

        var reservations = result.Reservations.ToDictionary(r => r.JobId, r => (DateTimeOffset?)r.At);
        var pending = result.PendingJobs
            .Select(p => (Job: Find(jobs, p), p.Reason, Start: reservations.GetValueOrDefault(p.JobId)))
            .Where(p => p.Job is not null && (p.Job.PendingReason != p.Reason || p.Job.PredictedStart != p.Start))
            .Select(p => new PendingUpdate(p.Job!.Id.Value, p.Reason, p.Start))
            .ToList();
        await store.SetPendingAsync(pending, cancellationToken);
    }

    /// <summary>The job a decision is about: the core names jobs by their id's text (its snapshot's).</summary>
    private static OperatorJob? Find(IReadOnlyDictionary<JobId, OperatorJob> jobs, Decision decision) =>
        JobId.TryParse(decision.JobId, out var id) ? jobs.GetValueOrDefault(id) : null;

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

        CycleLog.Transition(logger, job.Name, job.State, JobState.Admitted, $"placed on {nodes}");
        metrics.Placements.WithLabels(job.Queue, place.GpuType ?? "any").Inc();
        metrics.AdmissionWait.WithLabels(job.Queue).Observe(Math.Max(0, (time.GetUtcNow() - job.QueuedAt).TotalSeconds));
        await creation.CreateAsync(admitted, placement, cancellationToken);
    }
}
