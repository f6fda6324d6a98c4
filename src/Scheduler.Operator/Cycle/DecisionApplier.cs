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
/// with their grace period), then placements ("assume, then apply": the cycle's placements are stored first, up to
/// <see cref="AdmissionsPerWrite"/> in one write, then that write's pods are created bound, <paramref name="parallelism"/> jobs at a time; a job whose API calls fail goes back to
/// the queue, as a failed attempt when the API server refused its pods: <see cref="PodCreation"/>), then the pending reasons and reservations. A crash after the write leaves admitted jobs whose missing pods the
/// reconciler creates (names are deterministic, so none is made twice). With a <see cref="PodCreationPipeline"/> the pods are
/// created there and this returns once the placements are stored.
/// </summary>
public sealed class DecisionApplier(
    IOperatorStore store, JobPods pods, PodCreation creation, SchedulerMetrics metrics, TimeProvider time, ILogger<DecisionApplier> logger, int parallelism = 1,
    PodCreationPipeline? pipeline = null)
{
    /// <param name="jobs">The active jobs the snapshot was built from; a decision about any other job is dropped.</param>
    public async Task ApplyAsync(CycleResult result, IReadOnlyDictionary<JobId, OperatorJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(jobs);
        var phases = new PhaseTimer();
        try
        {
            await ApplyAsync(result, jobs, phases, cancellationToken);
        }
        finally
        {
            metrics.CyclePhase.WithLabels(CyclePhases.Database).Observe(phases.Database.TotalSeconds);
            metrics.CyclePhase.WithLabels(CyclePhases.Api).Observe(phases.Api.TotalSeconds);
        }
    }

    private async Task ApplyAsync(CycleResult result, IReadOnlyDictionary<JobId, OperatorJob> jobs, PhaseTimer phases, CancellationToken cancellationToken)
    {
        foreach (var preempt in result.Preemptions)
        {
            // A victim whose pods are still being created is left to its creation; a later cycle decides again.
            if (Find(jobs, preempt) is { } victim && pipeline?.IsCreating(victim.Id) != true && await phases.DatabaseAsync(store.TransitionAsync(victim, JobState.Preempted, preempt.Message, cancellationToken)))
            {
                CycleLog.Transition(logger, victim.Name, victim.State, JobState.Preempted, preempt.Message);
                metrics.Preemptions.WithLabels(victim.Queue, preempt.Reason == PreemptionReason.ReclaimLentQuota ? "reclaim" : "priority").Inc();
                // The pods' own grace period (the policy's): SIGTERM now, time to commit a checkpoint, then requeue.
                await phases.ApiAsync(pods.StopAsync(victim.Id, cancellationToken));
            }
        }

        var placed = result.Placements.Select(p => (Job: Find(jobs, p), Place: p)).Where(p => p.Job is not null).Select(p => (p.Job!, p.Place)).ToList();
        await PlaceAllAsync(placed, phases, cancellationToken);

        var reservations = result.Reservations.ToDictionary(r => r.JobId, r => (DateTimeOffset?)r.At);
        var pending = result.PendingJobs
            .Select(p => (Job: Find(jobs, p), p.Reason, Start: reservations.GetValueOrDefault(p.JobId)))
            .Where(p => p.Job is not null && (p.Job.PendingReason != p.Reason || p.Job.PredictedStart != p.Start))
            .Select(p => new PendingUpdate(p.Job!.Id.Value, p.Reason, p.Start))
            .ToList();
        await phases.DatabaseAsync(store.SetPendingAsync(pending, cancellationToken));
    }

    /// <summary>The job a decision is about: the core names jobs by their id's text (its snapshot's).</summary>
    private static OperatorJob? Find(IReadOnlyDictionary<JobId, OperatorJob> jobs, Decision decision) =>
        JobId.TryParse(decision.JobId, out var id) ? jobs.GetValueOrDefault(id) : null;

    private async Task PlaceAllAsync(List<(OperatorJob Job, Place Place)> placed, PhaseTimer phases, CancellationToken cancellationToken)
    {
        if (placed.Count == 0)
        {
            return;
        }

        var admissions = placed.Select(p =>
        {
            var shape = GangShape.Of(p.Job.Spec);
            var placement = p.Place.Pods
                .Select(pod => new JobPodPlacement(pod.Rank, pod.Node, pod.GpuIndices, pod.GpuMilli, shape.CpuMilliPerPod, shape.MemoryMiBPerPod))
                .ToList();
            return new OperatorAdmission(p.Job, placement, $"placed on {string.Join(", ", placement.Select(x => x.Node).Distinct())}");
        }).ToList();
        var decided = placed.Zip(admissions).ToDictionary(p => p.First.Job.Id, p => (p.First.Job, p.First.Place, p.Second.Reason));
        // A few thousand placements per write: one write of 10,000 (the scale check's first cycle) kept its transaction open
        // past the stalled-transaction limit on a loaded machine, and a pipelined batch's pods start as soon as it is stored.
        foreach (var batch in admissions.Chunk(AdmissionsPerWrite))
        {
            await PlaceBatchAsync(batch, decided, phases, cancellationToken);
        }
    }

    /// <summary>How many placements one transaction stores at most.</summary>
    internal const int AdmissionsPerWrite = 2_000;

    private async Task PlaceBatchAsync(
        OperatorAdmission[] admissions, Dictionary<JobId, (OperatorJob Job, Place Place, string Reason)> decided, PhaseTimer phases, CancellationToken cancellationToken)
    {
        IReadOnlyList<OperatorJob> admitted;
        try
        {
            admitted = await phases.DatabaseAsync(store.AdmitAllAsync(admissions, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StaleLeaderException)
        {
            // The batch failed as a whole: admit one job at a time, so a failure stays with the job that caused it.
            CycleLog.ActionFailed(logger, ex, $"{admissions.Length} placements", nameof(Place));
            admitted = await AdmitOneByOneAsync(admissions, phases, cancellationToken);
        }

        var now = time.GetUtcNow();
        foreach (var job in admitted)
        {
            var (before, place, reason) = decided[job.Id];
            CycleLog.Transition(logger, job.Name, before.State, JobState.Admitted, reason);
            metrics.Placements.WithLabels(job.Queue, place.GpuType ?? "any").Inc();
            metrics.AdmissionWait.WithLabels(job.Queue).Observe(Math.Max(0, (now - before.QueuedAt).TotalSeconds));
        }

        if (pipeline is not null)
        {
            // Pipelined: the next cycle starts while these pods are created (PodCreationPipeline says why that is safe).
            _ = pipeline.StartAsync(admitted, cancellationToken);
            return;
        }

        // The API calls of different jobs are independent: several at once, each job's own in order (Service, then pods and bindings).
        // A failure stays with its job (PodCreation requeues or fails it) and never stops the others.
        await phases.ApiAsync(Parallel.ForEachAsync(admitted, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, parallelism), CancellationToken = cancellationToken },
            async (job, ct) => await creation.CreateAsync(job, job.Placement!, ct)));
    }

    private async Task<IReadOnlyList<OperatorJob>> AdmitOneByOneAsync(IReadOnlyList<OperatorAdmission> admissions, PhaseTimer phases, CancellationToken cancellationToken)
    {
        var admitted = new List<OperatorJob>();
        foreach (var admission in admissions)
        {
            try
            {
                if (await phases.DatabaseAsync(store.AdmitAsync(admission.Job, admission.Placement, admission.Reason, cancellationToken)) is { } job)
                {
                    admitted.Add(job);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not StaleLeaderException)
            {
                CycleLog.ActionFailed(logger, ex, admission.Job.Name, nameof(Place));
            }
        }

        return admitted;
    }
}
