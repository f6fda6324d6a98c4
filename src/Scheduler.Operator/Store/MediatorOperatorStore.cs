using System.Runtime.CompilerServices;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Scheduler.Application.Jobs;
using Scheduler.Application.Scheduling;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Hosting;
using Scheduler.Operator.Inventory;

namespace Scheduler.Operator.Store;

/// <summary>
/// <see cref="IOperatorStore"/> over the application's use cases: one DI scope (one DbContext) per call, so the singleton
/// operator never holds a context across cycles.
/// </summary>
internal sealed class MediatorOperatorStore(
    IServiceScopeFactory scopes, OperatorSettings settings, PredictedRuntimes runtimes, LeadershipTerm term, ActiveJobCache cache, TimeProvider time,
    ClusterInventory inventory) : IOperatorStore
{
    /// <summary>
    /// Each cached row's job as the scheduler sees it, built once per row: a changed row is a new object, and a job's predicted
    /// runtime depends only on its row. Every cycle used to build them all again (two objects per active job).
    /// </summary>
    private readonly ConditionalWeakTable<ActiveJob, OperatorJob> _scheduled = [];
    private ConditionalWeakTable<ActiveJob, OperatorJob>.CreateValueCallback? _toScheduled;

    public async Task<IReadOnlyList<OperatorQueue>> QueuesAsync(CancellationToken cancellationToken)
    {
        var queues = await SendAsync(sender => sender.Send(new ListQueueUsage(settings.Policy.FairShareHalfLife), cancellationToken));
        return queues.Select(q => new OperatorQueue(q.Name, q.Spec, q.DecayedGpuHours, q.AsOf)).ToList();
    }

    /// <summary>From the incremental snapshot: only the rows written since the last read come from PostgreSQL.</summary>
    public async Task<IReadOnlyList<OperatorJob>> ActiveJobsAsync(CancellationToken cancellationToken)
    {
        var since = cache.Since;
        var changes = await SendAsync(sender => sender.Send(new ReadJobChanges(since), cancellationToken));
        cache.Apply(changes);
        var jobs = cache.Select(time.GetUtcNow());
        runtimes.Retain(jobs.Select(j => new JobId(j.Id)).ToHashSet());
        // Jobs without a checkpoint volume restart from step 0: neither their old progress nor their checkpoint counts.
        _toScheduled ??= j => CheckpointDurability.AsScheduled(ToOperatorJob(j));
        return jobs.Select(j => _scheduled.GetValue(j, _toScheduled)).ToList();
    }

    public async Task<OperatorJob?> AdmitAsync(OperatorJob job, IReadOnlyList<JobPodPlacement> placement, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        placement = PlacementRacks.Stamp(placement, inventory);
        var result = Fenced(await SendAsync(sender => sender.Send(
            new AdmitJob(job.Id.Value, job.Version, placement, settings.Kubernetes.DefaultNamespace, Truncate(reason), term.Term), cancellationToken)));
        return result.IsSuccess
            ? job with
            {
                State = result.Value.State,
                Attempt = result.Value.Attempt,
                Version = result.Value.Version,
                Namespace = result.Value.Namespace ?? settings.Kubernetes.DefaultNamespace,
                Placement = placement,
                PendingReason = null,
            }
            : null;
    }

    public async Task<IReadOnlyList<OperatorJob>> AdmitAllAsync(IReadOnlyList<OperatorAdmission> admissions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admissions);
        var byId = admissions.ToDictionary(a => a.Job.Id.Value, a => a with { Placement = PlacementRacks.Stamp(a.Placement, inventory) });
        var admitted = Fenced(await SendAsync(sender => sender.Send(new AdmitJobs(
            [.. byId.Values.Select(a => new JobAdmission(a.Job.Id.Value, a.Job.Version, a.Placement, Truncate(a.Reason)))], settings.Kubernetes.DefaultNamespace, term.Term),
            cancellationToken))).Value!;
        return [.. admitted.Select(a => byId[a.JobId].Job with
        {
            State = a.State,
            Attempt = a.Attempt,
            Version = a.Version,
            Namespace = a.Namespace ?? settings.Kubernetes.DefaultNamespace,
            Placement = byId[a.JobId].Placement,
            PendingReason = null,
        })];
    }

    public async Task<bool> TransitionAsync(OperatorJob job, JobState to, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Fenced(await SendAsync(sender => sender.Send(new TransitionJob(job.Id.Value, to, Truncate(reason), job.Version, term.Term), cancellationToken))).IsSuccess;
    }

    public async Task<IReadOnlySet<JobId>> TransitionAllAsync(IReadOnlyList<OperatorTransition> transitions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transitions);
        var moved = Fenced(await SendAsync(sender => sender.Send(new TransitionJobs(
            [.. transitions.Select(t => new JobTransition(t.Job.Id.Value, t.Job.Version, t.To, Truncate(t.Reason)))], term.Term), cancellationToken))).Value!;
        return moved.Select(id => new JobId(id)).ToHashSet();
    }

    public async Task<bool> RetryAsync(OperatorJob job, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        return Fenced(await SendAsync(sender => sender.Send(new RetryJob(job.Id.Value, job.Version, Truncate(reason), term.Term), cancellationToken))).IsSuccess;
    }

    public void ReadAllNext() => cache.ReadAllNext();

    public async Task<LeadershipTerm> BeginTermAsync(string identity, CancellationToken cancellationToken)
    {
        // A new leader trusts nothing it cached while another replica led.
        cache.ReadAllNext();
        var begun = await SendAsync(sender => sender.Send(new BeginLeaderTerm(identity), cancellationToken));
        term.Begin(begun.Term, begun.InstallationId);
        return term;
    }

    public async Task<IReadOnlySet<JobId>> KnownJobsAsync(IReadOnlyCollection<JobId> jobIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var known = await SendAsync(sender => sender.Send(new FindKnownJobs(jobIds.Select(j => j.Value).ToList()), cancellationToken));
        return known.Select(id => new JobId(id)).ToHashSet();
    }

    /// <summary>A write refused for a stale term ends this replica's leadership (the loop steps down); other refusals are answered.</summary>
    private static Scheduler.Application.Common.Result<T> Fenced<T>(Scheduler.Application.Common.Result<T> result) =>
        result.Failure?.Errors.TryGetValue(LeaderFence.Field, out var why) == true
            ? throw new StaleLeaderException(string.Join("; ", why))
            : result;

    public async Task SetPendingAsync(IReadOnlyList<PendingUpdate> updates, CancellationToken cancellationToken) =>
        await SendAsync(sender => sender.Send(new SetPendingReasons(updates), cancellationToken));

    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<DependencyTarget>>> DependencyTargetsAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken) =>
        ids.Count == 0
            ? new Dictionary<Guid, IReadOnlyList<DependencyTarget>>()
            : await SendAsync(sender => sender.Send(new GetDependencyTargets(ids), cancellationToken));

    private async Task<T> SendAsync<T>(Func<ISender, ValueTask<T>> send)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await send(scope.ServiceProvider.GetRequiredService<ISender>());
    }

    private static string Truncate(string reason) => reason.Length > 1024 ? reason[..1024] : reason;

    private OperatorJob ToOperatorJob(ActiveJob j) => new()
    {
        Id = new JobId(j.Id),
        Name = j.Name,
        Queue = j.Queue,
        Namespace = j.Namespace ?? settings.Kubernetes.DefaultNamespace,
        PriorityClass = j.PriorityClass,
        State = j.State,
        Spec = j.Spec,
        Attempt = j.Attempt,
        Version = j.Version,
        CreatedAt = j.CreatedAt,
        QueuedAt = j.QueuedAt,
        StartedAt = j.StartedAt,
        Placement = j.Placement,
        PredictedRuntime = runtimes.Of(new JobId(j.Id), j.Spec, j.EstimatedWallHours),
        Progress = j.Progress,
        LastCheckpointAt = j.LastCheckpointAt,
        LastCheckpointStep = j.LastCheckpointStep,
        PreemptionCount = j.PreemptionCount,
        LastPreemptedAt = j.LastPreemptedAt,
        FailedAttempts = j.FailedAttempts,
        Reason = j.Reason,
        PendingReason = j.PendingReason,
        PredictedStart = j.PredictedStart,
        SubmittedBy = j.SubmittedBy,
        ArrayId = j.ArrayId,
        ArrayIndex = j.ArrayIndex,
    };
}
