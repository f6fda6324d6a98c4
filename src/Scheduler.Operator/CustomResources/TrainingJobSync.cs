using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Kubernetes.Clients;
using Scheduler.Kubernetes.Resources;

namespace Scheduler.Operator.CustomResources;

/// <summary>
/// TrainingJob → job, through <see cref="SubmitJob"/> as REST does; the job → the resource's status; deleting the
/// resource → <see cref="CancelJob"/>. A finalizer holds a deleted resource until its job is cancelled, so a deletion
/// while the operator is down is not missed. The job remembers the resource (<see cref="JobOrigin"/>: namespace, name,
/// uid and the spec generation it was submitted from), which makes resubmission after a restart a no-op. A spec naming
/// a queue that does not admit the resource's namespace (<see cref="QueueAccess"/>) is not submitted: the status says
/// <c>Forbidden</c>, a Warning event says it once, and the next resyncs ask again.
/// </summary>
internal sealed class TrainingJobSync(
    IKubernetes client, IServiceScopeFactory scopes, TimeProvider time, CustomResourceSyncOptions options, ILogger<TrainingJobSync> logger)
    : ResourceSync<TrainingJob, TrainingJobList>(client.TrainingJobs(), scopes, time, options, logger)
{
    public const string Finalizer = GpuSchedulerApi.Group + "/cancel-job";

    /// <summary>The reason of a job withdrawn because its queue no longer admits its namespace; the refusal follows.</summary>
    public const string WithdrawnReason = "Forbidden: withdrawn before placement: ";

    // The stored reason's limit (jobs.reason, job_events.reason).
    private const int MaxReasonLength = 1024;

    private readonly QueueAccess _access = new(client);

    protected override string Kind => GpuSchedulerApi.TrainingJobKind;

    protected override string? WatchNamespace => Options.Namespace;

    protected override bool NeedsReconcile(TrainingJob? previous, TrainingJob current) =>
        previous is null
        || previous.Metadata.Uid != current.Metadata.Uid
        || previous.Metadata.Generation != current.Metadata.Generation
        || (previous.Metadata.DeletionTimestamp is null) != (current.Metadata.DeletionTimestamp is null)
        || !HasFinalizer(current);

    protected override bool IsSettled(TrainingJob resource) =>
        resource.Metadata.DeletionTimestamp is null
        && HasFinalizer(resource)
        && resource.Status is { Phase: { } phase } status
        && JobStateMachine.IsFinal(phase)
        && status.ObservedGeneration == Generation(resource);

    protected override async Task ReconcileAsync(TrainingJob resource, IServiceProvider services, CancellationToken cancellationToken)
    {
        var sender = services.GetRequiredService<ISender>();
        if (resource.Metadata.DeletionTimestamp is not null)
        {
            await CancelJobsAsync(resource, sender, cancellationToken);
            if (HasFinalizer(resource))
            {
                // The deletion completes with this write; nothing of the answer is worth remembering.
                await PatchFinalizersAsync(resource, [.. resource.Metadata.Finalizers.Where(f => f != Finalizer)], cancellationToken);
            }

            return;
        }

        if (!HasFinalizer(resource))
        {
            if (await PatchFinalizersAsync(resource, [.. resource.Metadata.Finalizers ?? [], Finalizer], cancellationToken) is not { } updated)
            {
                // Deleted since the watch reported it: a job submitted now would outlive it unless the Deleted event is
                // handled (not so after a restart), and nothing is left to report its status on.
                return;
            }

            resource = Remember(resource, updated);
        }

        var jobs = await sender.Send(new GetJobsByOrigin(resource.Metadata.Uid), cancellationToken);
        var outcome = await SubmitAsync(resource, jobs.Count > 0 ? jobs[0] : null, sender, cancellationToken);
        IReadOnlyList<JobEventDetails> events = [];
        if (outcome.Job is { } job && await sender.Send(new GetJobEvents(job.Id), cancellationToken) is { IsSuccess: true } history)
        {
            events = history.Value;
        }

        var status = TrainingJobStatusBuilder.Build(outcome, events, resource.Status, Time.GetUtcNow());
        if (outcome.Problem is { Kind: SyncProblemKind.Forbidden } forbidden && !IsForbidden(resource.Status))
        {
            CustomResourceLog.JobNotSubmitted(Logger, Key(resource), forbidden.Kind, forbidden.Message);
            await RecordForbiddenAsync(resource, forbidden.Message, cancellationToken);
        }

        await WriteStatusAsync(resource, resource.Status, status, cancellationToken);
    }

    protected override Task DeletedAsync(TrainingJob resource, IServiceProvider services, CancellationToken cancellationToken) =>
        CancelJobsAsync(resource, services.GetRequiredService<ISender>(), cancellationToken);

    /// <summary>Submits the resource's current spec generation unless that generation was already submitted or answered.</summary>
    private async Task<SyncOutcome> SubmitAsync(TrainingJob resource, JobDetails? latest, ISender sender, CancellationToken cancellationToken)
    {
        var generation = Generation(resource);
        if (latest?.Origin?.Generation == generation)
        {
            return await RecheckAccessAsync(resource, latest, generation, sender, cancellationToken);
        }

        if (resource.Status?.ObservedGeneration == generation)
        {
            // This generation was answered before (refused change, invalid spec): report it again, do not resubmit.
            return new SyncOutcome(latest, generation, RecordedProblem(resource.Status, latest));
        }

        var key = Key(resource);
        var origin = new JobOrigin(resource.Metadata.NamespaceProperty ?? "default", resource.Metadata.Name, resource.Metadata.Uid, generation);
        var access = resource.Spec.Queue is { } queue ? await _access.CheckAsync(queue, origin.Namespace, sender, cancellationToken) : QueueAccessAnswer.Allowed;
        if (access.Kind != QueueAccessKind.Allowed)
        {
            // An active job's queue cannot change anyway: the change is refused as any other would be. Otherwise nothing
            // is submitted and the generation stays unobserved, so that the next resync asks again.
            var problem = access.Kind == QueueAccessKind.Refused ? SyncProblemKind.Forbidden : SyncProblemKind.QueueNotFound;
            return latest is not null && !JobStateMachine.IsFinal(latest.State)
                ? new SyncOutcome(latest, generation, new SyncProblem(SyncProblemKind.SpecChangeRejected, access.Message!))
                : new SyncOutcome(latest, resource.Status?.ObservedGeneration, new SyncProblem(problem, access.Message!));
        }

        if (latest is not null && !JobStateMachine.IsFinal(latest.State) && await UpdateInPlaceAsync(resource, latest, generation, sender, cancellationToken) is { } updated)
        {
            return updated;
        }

        SyncOutcome outcome;
        try
        {
            var result = await sender.Send(new SubmitJob(resource.ToJobSpec(), Origin: origin), cancellationToken);
            if (result.IsSuccess)
            {
                if (result.Value.Created)
                {
                    CustomResourceLog.JobSubmitted(Logger, key, result.Value.Job.Id, generation);
                }

                return new SyncOutcome(result.Value.Job, generation);
            }

            outcome = Refused(result.Failure, latest, resource.Status?.ObservedGeneration, generation);
        }
        catch (RequestValidationException e)
        {
            var message = Describe(e.Errors.Select(error => (error.Field, error.Message)));
            outcome = latest is not null && !JobStateMachine.IsFinal(latest.State)
                ? new SyncOutcome(latest, generation, new SyncProblem(SyncProblemKind.SpecChangeRejected, message))
                : new SyncOutcome(null, generation, new SyncProblem(SyncProblemKind.InvalidSpec, message));
        }

        CustomResourceLog.JobNotSubmitted(Logger, key, outcome.Problem!.Kind, outcome.Problem.Message);
        return outcome;
    }

    /// <summary>
    /// An edit of only <c>spec.hold</c>, <c>spec.maxRuntime</c> or <c>spec.priorityClass</c> updates the active job in place
    /// (<see cref="UpdateJob"/>, with the update's rules); null for any other edit, which resubmission answers.
    /// </summary>
    private async Task<SyncOutcome?> UpdateInPlaceAsync(TrainingJob resource, JobDetails latest, long generation, ISender sender, CancellationToken cancellationToken)
    {
        var spec = resource.ToJobSpec();
        if (spec.Model is null || spec.Training is null || spec.Resources is not { Gpus: > 0, GpuType: not null } || Changes(latest.Spec, spec) is not { } changes)
        {
            return null;
        }

        var by = $"TrainingJob {resource.Metadata.NamespaceProperty}/{resource.Metadata.Name}";
        try
        {
            var result = await sender.Send(new UpdateJob(latest.Id, changes, by), cancellationToken);
            return result.IsSuccess
                ? new SyncOutcome(result.Value, generation)
                : new SyncOutcome(latest, generation, new SyncProblem(SyncProblemKind.SpecChangeRejected,
                    Describe(result.Failure.Errors.SelectMany(e => e.Value.Select(m => (e.Key, m))))));
        }
        catch (RequestValidationException e)
        {
            return new SyncOutcome(latest, generation, new SyncProblem(SyncProblemKind.SpecChangeRejected, Describe(e.Errors.Select(error => (error.Field, error.Message)))));
        }
    }

    /// <summary>The in-place update, or null; a spec that cannot even be normalised is left to resubmission, which names what is wrong.</summary>
    private static JobUpdate? Changes(JobSpec stored, JobSpec spec)
    {
        try
        {
            return JobUpdates.Between(stored, spec);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or OverflowException or DivideByZeroException)
        {
            return null;
        }
    }

    /// <summary>
    /// A submitted job whose queue stopped admitting its namespace (the binding was narrowed, or the namespace relabelled)
    /// is withdrawn while it still waits: cancelled with a reason starting <see cref="WithdrawnReason"/>, and the resource
    /// reports <c>Forbidden</c> from then on. A job already placed keeps running: narrowing decides who may start, it does
    /// not preempt. Re-applying the TrainingJob (a new generation) asks again.
    /// </summary>
    private async Task<SyncOutcome> RecheckAccessAsync(TrainingJob resource, JobDetails latest, long generation, ISender sender, CancellationToken cancellationToken)
    {
        var withdrawn = latest.State == JobState.Cancelled && latest.Reason.StartsWith(WithdrawnReason, StringComparison.Ordinal);
        if (withdrawn)
        {
            return new SyncOutcome(latest, generation, new SyncProblem(SyncProblemKind.Forbidden, latest.Reason[WithdrawnReason.Length..]));
        }

        if (latest.State != JobState.Queued || resource.Spec.Queue is not { } queue
            || await _access.CheckAsync(queue, latest.Origin!.Namespace, sender, cancellationToken) is not { Kind: QueueAccessKind.Refused, Message: { } refusal })
        {
            return new SyncOutcome(latest, generation);
        }

        // The expected version loses to a placement made meanwhile: the job then runs, and is not withdrawn.
        var reason = WithdrawnReason + refusal;
        var cancelled = await sender.Send(new TransitionJob(latest.Id, JobState.Cancelled, reason[..Math.Min(reason.Length, MaxReasonLength)], latest.Version), cancellationToken);
        if (!cancelled.IsSuccess)
        {
            return new SyncOutcome(latest, generation);
        }

        CustomResourceLog.JobCancelled(Logger, Key(resource), latest.Id);
        return new SyncOutcome(cancelled.Value, generation, new SyncProblem(SyncProblemKind.Forbidden, refusal));
    }

    private static SyncOutcome Refused(Failure failure, JobDetails? latest, long? observed, long generation)
    {
        var message = Describe(failure.Errors.SelectMany(e => e.Value.Select(m => (e.Key, m))));
        return failure.Kind switch
        {
            FailureKind.Invalid when failure.Errors.ContainsKey("queue") =>
                new SyncOutcome(latest, observed, new SyncProblem(SyncProblemKind.QueueNotFound, message)),
            FailureKind.Conflict when latest is not null && !JobStateMachine.IsFinal(latest.State) =>
                new SyncOutcome(latest, generation, new SyncProblem(SyncProblemKind.SpecChangeRejected,
                    message + ". The job keeps running with its spec; delete and re-apply the TrainingJob to run the new one")),
            FailureKind.Conflict => new SyncOutcome(latest, observed, new SyncProblem(SyncProblemKind.NameTaken, message)),
            FailureKind.TooMany => new SyncOutcome(latest, observed, new SyncProblem(SyncProblemKind.LimitReached, message)),
            _ => new SyncOutcome(latest, generation, new SyncProblem(SyncProblemKind.InvalidSpec, message)),
        };
    }

    /// <summary>The problem the status already reports for this generation.</summary>
    private static SyncProblem? RecordedProblem(TrainingJobStatus status, JobDetails? latest)
    {
        if (latest is not null)
        {
            return status.Conditions?.FirstOrDefault(c => c.Type == TrainingJobStatusBuilder.SpecChangeRejected) is { } rejected
                ? new SyncProblem(SyncProblemKind.SpecChangeRejected, rejected.Message)
                : null;
        }

        return status.Conditions?.FirstOrDefault(c => c is { Type: TrainingJobConditions.Failed, Reason: TrainingJobStatusBuilder.InvalidSpecReason }) is { } invalid
            ? new SyncProblem(SyncProblemKind.InvalidSpec, invalid.Message)
            : null;
    }

    /// <summary>Field messages as the resource names the fields: <c>spec.resources.gpus: must be …</c>.</summary>
    private static string Describe(IEnumerable<(string Field, string Message)> errors) =>
        string.Join("; ", errors.Select(e => $"{ResourceField(e.Field)}: {e.Message}"));

    private static string ResourceField(string field) => field switch
    {
        "name" => "metadata.name",
        "$" or "" => "spec",
        _ => "spec." + field,
    };

    private async Task CancelJobsAsync(TrainingJob resource, ISender sender, CancellationToken cancellationToken)
    {
        foreach (var job in await sender.Send(new GetJobsByOrigin(resource.Metadata.Uid), cancellationToken))
        {
            if (!JobStateMachine.IsFinal(job.State) && (await sender.Send(new CancelJob(job.Id), cancellationToken)).IsSuccess)
            {
                CustomResourceLog.JobCancelled(Logger, Key(resource), job.Id);
            }
        }
    }

    /// <summary>Replaces the finalizer list; the resourceVersion makes a concurrent change a 409 that the next resync retries.</summary>
    private async Task<TrainingJob?> PatchFinalizersAsync(TrainingJob resource, IList<string> finalizers, CancellationToken cancellationToken)
    {
        var patch = new { metadata = new { finalizers, resourceVersion = resource.Metadata.ResourceVersion } };
        try
        {
            return await Resources.PatchAsync(
                resource.Metadata.Name, resource.Metadata.NamespaceProperty, new V1Patch(patch, V1Patch.PatchType.MergePatch), cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static bool IsForbidden(TrainingJobStatus? status) =>
        status?.Conditions?.Any(c => c is { Type: TrainingJobConditions.Admitted, Reason: QueueAccess.ForbiddenReason }) == true;

    /// <summary>
    /// A Warning event on the resource, for <c>kubectl describe</c> and <c>kubectl get events</c>: once per refusal (the
    /// status keeps saying it). An event is a notice, not state: failing to record it fails nothing.
    /// </summary>
    private async Task RecordForbiddenAsync(TrainingJob resource, string message, CancellationToken cancellationToken)
    {
        var now = Time.GetUtcNow().UtcDateTime;
        var ns = resource.Metadata.NamespaceProperty ?? "default";
        var notice = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = $"{resource.Metadata.Name}.{now.Ticks:x}", NamespaceProperty = ns },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = GpuSchedulerApi.ApiVersion, Kind = GpuSchedulerApi.TrainingJobKind, Name = resource.Metadata.Name,
                NamespaceProperty = ns, Uid = resource.Metadata.Uid, ResourceVersion = resource.Metadata.ResourceVersion,
            },
            Reason = QueueAccess.ForbiddenReason,
            Message = message,
            Type = "Warning",
            Source = new V1EventSource { Component = EventComponent },
            ReportingComponent = EventComponent,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(notice, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e)
        {
            CustomResourceLog.EventNotRecorded(Logger, Key(resource), (int)e.Response.StatusCode);
        }
    }

    private const string EventComponent = "gpu-scheduler";

    private static bool HasFinalizer(TrainingJob resource) => resource.Metadata.Finalizers?.Contains(Finalizer) == true;

    private static long Generation(TrainingJob resource) => resource.Metadata.Generation ?? 1;
}
