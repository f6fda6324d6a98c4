using k8s.Models;
using Microsoft.Extensions.Logging;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Metrics;
using Scheduler.Operator.Pods;
using Scheduler.Operator.Store;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// Step 1 of the cycle: brings stored job states and the pods we own into line. <see cref="JobReconciler"/> (each job's pods)
/// and <see cref="OrphanFinder"/> (pods and Services of nothing active) decide, purely; this carries their actions out, each
/// state change persisted before the pods it stops. Orphaned Services are listed every <c>Scheduler:Intervals:OrphanCollection</c>.
/// </summary>
public sealed class Reconciler(
    IOperatorStore store,
    ClusterInventory inventory,
    JobReconciler jobs,
    OrphanFinder orphans,
    OrphanGuard guard,
    LeadershipTerm term,
    JobPods pods,
    PodCreation creation,
    WorkloadClient workloads,
    SchedulerMetrics metrics,
    TimeProvider time,
    OperatorSettings settings,
    ILogger<Reconciler> logger,
    PodCreationPipeline? pipeline = null)
{
    // The guard withholds on every cycle (several a second) until someone acts: say it again only when the count changes or a minute passed.
    private static readonly TimeSpan WithheldLogInterval = TimeSpan.FromMinutes(1);

    private DateTimeOffset _nextServiceSweep = DateTimeOffset.MinValue;
    private (List<MoveJob> Moves, Dictionary<JobId, OperatorJob> Jobs) _starts = ([], new Dictionary<JobId, OperatorJob>());
    private (int Count, DateTimeOffset At) _lastWithheldLog = (0, DateTimeOffset.MinValue);

    /// <summary>The next run lists our Services for orphans too (a new leader collects what ended while nobody led).</summary>
    public void CollectOrphansNext() => _nextServiceSweep = DateTimeOffset.MinValue;

    /// <summary>
    /// Carries out what the pods of <paramref name="active"/> say, but for the Admitted → Running moves, which wait for
    /// <see cref="StartRunningAsync(CancellationToken)"/>; true when a job's stored state changed.
    /// </summary>
    public async Task<bool> ReconcileAsync(IReadOnlyList<OperatorJob> active, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(active);
        var byId = active.ToDictionary(j => j.Id);
        var notReady = inventory.NotReadyNodes;
        var now = time.GetUtcNow();
        var owned = inventory.Pods;
        var services = await ServicesToSweepAsync(now, cancellationToken);
        var orphaned = await GuardAsync(orphans.Find(active, owned, services, now), byId, owned, services, cancellationToken);
        // A job whose pods are being created (pipelined) is its creation's until that ends: its pods are not missing, nor orphans.
        var actions = jobs.Reconcile(active, owned, inventory.NodeNames, now, notReady).Concat(orphaned)
            .Where(a => pipeline is null || !(pipeline.IsCreating(a.JobId)
                || (a is CreateMissingPods && byId.TryGetValue(a.JobId, out var created) && pipeline.CreatedRecently(created.Id, created.Attempt))))
            .ToList();
        var starts = actions.OfType<MoveJob>()
            .Where(m => m is { To: JobState.Running, CountsAsFailure: false, DeletePods: false } && byId.TryGetValue(m.JobId, out var j) && j.State == JobState.Admitted)
            .ToList();
        // Each is what MoveAsync would do for it: no pods to stop, nothing final; so they can wait and be written in batches.
        _starts = (starts, byId);
        var started = starts.ToHashSet();
        actions.RemoveAll(a => a is MoveJob m && started.Contains(m));
        return await ApplyEachAsync(actions, byId, notReady, cancellationToken);
    }

    /// <summary>
    /// The Admitted → Running moves the last <see cref="ReconcileAsync"/> found, written after the cycle's decisions: an admitted
    /// job already holds its placement's GPUs, so starting it changes nothing the core decides, and writing thousands of starts
    /// (a burst) must not hold back the placements of the jobs that wait. The next cycle's incremental read picks them up. A
    /// decision of this cycle that moved one of these jobs (a preemption) makes its start fail its version check: the next
    /// cycle sees the job as it is then.
    /// </summary>
    public async Task StartRunningAsync(CancellationToken cancellationToken)
    {
        var (starts, byId) = _starts;
        _starts = ([], new Dictionary<JobId, OperatorJob>());
        if (starts.Count == 0)
        {
            return;
        }

        var left = new List<MoveJob>(starts);
        try
        {
            await WriteStartsAsync(left, byId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StaleLeaderException)
        {
            // The batched write failed: the moves still in the list are applied one at a time below.
            CycleLog.ActionFailed(logger, ex, "the cycle's Running moves", nameof(StartRunningAsync));
        }

        await ApplyEachAsync([.. left], byId, inventory.NotReadyNodes, cancellationToken);
    }

    private async Task<bool> ApplyEachAsync(
        List<ReconcileAction> actions, Dictionary<JobId, OperatorJob> byId, IReadOnlyDictionary<string, DateTimeOffset> notReady, CancellationToken cancellationToken)
    {
        var changed = false;
        foreach (var action in actions)
        {
            try
            {
                changed |= await ApplyAsync(action, byId, notReady, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not StaleLeaderException)
            {
                // One job's failure (the API server refuses a call, a write fails) stays with that job: the others are still
                // reconciled, the snapshot is still built, and the next cycle tries this one again.
                CycleLog.ActionFailed(logger, ex, byId.TryGetValue(action.JobId, out var job) ? job.Name : action.JobId.ToString(), action.GetType().Name);
            }
        }

        return changed;
    }

    /// <summary>
    /// The orphan guard's say on the collection (<see cref="OrphanGuard"/>): the jobs not active are looked up in the database,
    /// and what it withholds is logged and counted. When the lookup fails, nothing of a job that is not active is deleted.
    /// </summary>
    private async Task<IReadOnlyList<ReconcileAction>> GuardAsync(
        IReadOnlyList<ReconcileAction> found, Dictionary<JobId, OperatorJob> active, IReadOnlyList<V1Pod> owned, IReadOnlyList<V1Service>? services,
        CancellationToken cancellationToken)
    {
        var others = found.Select(a => a.JobId).Where(id => !active.ContainsKey(id)).ToHashSet();
        var known = active.Keys.ToHashSet();
        if (others.Count > 0)
        {
            try
            {
                known.UnionWith(await store.KnownJobsAsync(others, cancellationToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not StaleLeaderException)
            {
                CycleLog.OrphanLookupFailed(logger, ex);
                return found.Where(a => active.ContainsKey(a.JobId)).ToList();
            }
        }

        var guarded = guard.Filter(found, owned, services, known, term.InstallationId);
        if (guarded.Withheld > 0)
        {
            var now = time.GetUtcNow();
            if (guarded.Withheld != _lastWithheldLog.Count || now - _lastWithheldLog.At >= WithheldLogInterval)
            {
                CycleLog.OrphansWithheld(logger, guarded.Withheld);
                _lastWithheldLog = (guarded.Withheld, now);
            }

            metrics.OrphansWithheld.Inc(guarded.Withheld);
        }
        else
        {
            _lastWithheldLog = (0, DateTimeOffset.MinValue);
        }

        return guarded.Actions;
    }

    private async Task<bool> ApplyAsync(
        ReconcileAction action, Dictionary<JobId, OperatorJob> byId, IReadOnlyDictionary<string, DateTimeOffset> notReady, CancellationToken cancellationToken)
    {
        switch (action)
        {
            case MoveJob move when byId.TryGetValue(move.JobId, out var job):
                return await MoveAsync(job, move, notReady, cancellationToken);
            case StopPods stop:
                await pods.StopAsync(stop.JobId, cancellationToken, notReady);
                return false;
            case CreateMissingPods missing when byId.TryGetValue(missing.JobId, out var job):
                // A refusal moves the job (a failed attempt, or Failed at the backoff limit): the cycle reads the jobs again.
                return !await creation.CreateAsync(job, (job.Placement ?? []).Where(p => missing.Ranks.Contains(p.Rank)).ToList(), cancellationToken);
            case DeleteStrayPods stray:
                foreach (var name in stray.PodNames)
                {
                    await workloads.DeletePodAsync(name, stray.Namespace, null, cancellationToken);
                }

                return false;
            case DeleteJobService service:
                await workloads.DeleteServiceAsync(service.ServiceName, service.Namespace, cancellationToken);
                return false;
            default:
                return false;
        }
    }

    /// <summary>
    /// The starts in batched writes (a burst of placements starts thousands at once); each written chunk leaves
    /// <paramref name="starts"/>, so what a failed write leaves there is applied one by one.
    /// </summary>
    private async Task WriteStartsAsync(List<MoveJob> starts, Dictionary<JobId, OperatorJob> byId, CancellationToken cancellationToken)
    {
        // A bounded number per transaction, as the admissions: one write of 15,000 moves (the scale check) outlived the
        // stalled-transaction limit on a loaded machine.
        foreach (var chunk in starts.Chunk(DecisionApplier.AdmissionsPerWrite).ToList())
        {
            var moved = await store.TransitionAllAsync([.. chunk.Select(m => new OperatorTransition(byId[m.JobId], m.To, m.Reason))], cancellationToken);
            starts.RemoveRange(0, chunk.Length);
            foreach (var move in chunk.Where(m => moved.Contains(m.JobId)))
            {
                CycleLog.Transition(logger, byId[move.JobId].Name, JobState.Admitted, move.To, move.Reason);
            }
        }
    }

    private async Task<bool> MoveAsync(OperatorJob job, MoveJob move, IReadOnlyDictionary<string, DateTimeOffset> notReady, CancellationToken cancellationToken)
    {
        if (job.State == JobState.Preempted && move.To == JobState.Queued && await pods.AnyLiveAsync(job, cancellationToken))
        {
            return false;
        }

        var moved = move.CountsAsFailure
            ? await store.RetryAsync(job, move.Reason, cancellationToken)
            : await store.TransitionAsync(job, move.To, move.Reason, cancellationToken);
        if (!moved)
        {
            return false;
        }

        CycleLog.Transition(logger, job.Name, job.State, move.To, move.Reason);
        if (move.To == JobState.Preempted)
        {
            metrics.RecordPreemption(job.Queue, "node-not-ready");
        }

        if (move.DeletePods)
        {
            await pods.StopAsync(job.Id, cancellationToken, notReady);
        }

        if (JobStateMachine.IsFinal(move.To))
        {
            await pods.DeleteServiceAsync(job, cancellationToken);
        }

        return true;
    }

    /// <summary>Our Services when a sweep is due (every <c>Scheduler:Intervals:OrphanCollection</c>); null otherwise.</summary>
    private async Task<IReadOnlyList<V1Service>?> ServicesToSweepAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now < _nextServiceSweep)
        {
            return null;
        }

        try
        {
            var services = await workloads.ListServicesAsync(cancellationToken);
            _nextServiceSweep = now + settings.Intervals.OrphanCollection;
            return services;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            CycleLog.ServiceSweepFailed(logger, ex); // pods are still reconciled; the sweep is due again next cycle
            return null;
        }
    }
}
