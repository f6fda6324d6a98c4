using FluentValidation;
using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>The members of a job a person may change after submission (<c>scontrol update</c>); absent members stay as they are.</summary>
public sealed record JobUpdate
{
    public string? PriorityClass { get; init; }

    /// <summary>ISO-8601 duration.</summary>
    public string? MaxRuntime { get; init; }

    public string? Queue { get; init; }

    public bool? Hold { get; init; }
}

/// <summary>
/// Update a job. A queued job may change its priority class, time limit, queue (where the caller may submit, and neither queue
/// has a GPU-hour budget, whose charge stays where it was made) and hold state; a job holding GPUs only its time limit: down
/// always, up within its queue's <c>maxRuntime</c>. Each change is one event naming who changed what. A change the job's state
/// forbids is a 409; a value beyond the queue's maximum a 422; both name the field.
/// </summary>
public sealed record UpdateJob(Guid JobId, JobUpdate Changes, string By) : ICommand<Result<JobDetails>>, IJobControl
{
    public string Action => "update";
}

internal sealed class UpdateJobValidator : MessageValidator<UpdateJob>
{
    public UpdateJobValidator(PriorityClasses priorities)
    {
        RuleFor(m => m.By).NotEmpty().WithMessage("is required");
        RuleFor(m => m.Changes).NotNull().WithMessage("the body must name at least one of priorityClass, maxRuntime, queue, hold").OverridePropertyName("$");
        RuleFor(m => m.Changes).Must(c => c is null || c.PriorityClass is not null || c.MaxRuntime is not null || c.Queue is not null || c.Hold is not null)
            .WithMessage("the body must name at least one of priorityClass, maxRuntime, queue, hold").OverridePropertyName("$");
        RuleFor(m => m.Changes.PriorityClass!).Must(priorities.Contains).When(m => m.Changes?.PriorityClass is not null)
            .WithMessage(_ => $"must be one of the configured priority classes: {string.Join(", ", priorities.Names)}").OverridePropertyName("priorityClass");
        RuleFor(m => m.Changes.MaxRuntime!).Must(t => IsoDuration.TryParse(t) is not null).When(m => m.Changes?.MaxRuntime is not null)
            .WithMessage("must be a positive ISO-8601 duration such as PT12H or P2D").OverridePropertyName("maxRuntime");
        RuleFor(m => m.Changes.Queue!).Must(JobSpecValidator.IsDnsLabel).When(m => m.Changes?.Queue is not null)
            .WithMessage("must be a DNS-1123 label naming an existing queue").OverridePropertyName("queue");
    }
}

internal sealed class UpdateJobHandler(SchedulerDbContext db, TimeProvider clock, QueueDirectory queues) : ICommandHandler<UpdateJob, Result<JobDetails>>
{
    public async ValueTask<Result<JobDetails>> Handle(UpdateJob command, CancellationToken cancellationToken)
    {
        var current = await StoreQueries.JobById(db, command.JobId, cancellationToken);
        if (current is null)
        {
            return JobChanges.NoSuchJob(command.JobId);
        }

        var changes = command.Changes;
        var source = await queues.FindAsync(db, current.Queue, cancellationToken);
        var target = changes.Queue is { } name && name != current.Queue ? await queues.FindAsync(db, name, cancellationToken) : source;
        if (target is null)
        {
            return Failure.Invalid("queue", $"names no queue: {changes.Queue}");
        }

        if (target != source && await StoreQueries.ActiveJobNamedAsync(db, target.Name, current.Name, cancellationToken) is { } taken)
        {
            return Failure.Conflict("queue", $"queue '{target.Name}' has an active job named '{taken.Name}' already (id {taken.Id})");
        }

        return await JobChanges.ApplyAsync(db, command.JobId, job => Apply(job, changes, source?.Spec, target.Spec, target.Name, command.By), cancellationToken);
    }

    private Failure? Apply(Job job, JobUpdate changes, QueueSpec? source, QueueSpec target, string targetName, string by)
    {
        if (JobControlRules.NotEnded(job, "updated") is { } ended)
        {
            return ended;
        }

        var queued = job.State == JobState.Queued;
        var spec = job.Spec;
        var what = new List<string>();
        if (changes.Queue is { } queue && queue != job.Queue)
        {
            if (JobControlRules.Queued(job, "queue", "moved to another queue") is { } refused)
            {
                return refused;
            }

            if (job.Origin is not null)
            {
                return Failure.Conflict("queue", "a TrainingJob's queue is its resource's spec.queue; change it there");
            }

            if (source?.GpuHourBudget is not null || target.GpuHourBudget is not null)
            {
                return Failure.Conflict("queue", "a job cannot move between queues when either has a GPU-hour budget (its charge stays in the queue it was made in)");
            }

            what.Add($"queue {job.Queue} → {queue}");
            spec = spec with { Queue = targetName };
        }

        if (changes.PriorityClass is { } priority && priority != job.PriorityClass)
        {
            if (JobControlRules.Queued(job, "priorityClass", "given another priority class") is { } refused)
            {
                return refused;
            }

            what.Add($"priorityClass {job.PriorityClass} → {priority}");
            spec = spec with { PriorityClass = priority };
        }

        if (changes.MaxRuntime is { } text && IsoDuration.TryParse(text) is { } limit && limit != IsoDuration.TryParse(spec.MaxRuntime))
        {
            var old = IsoDuration.TryParse(spec.MaxRuntime);
            var maximum = IsoDuration.TryParse(target.MaxRuntime);
            var raises = old is null || limit > old;
            // A running job may always shorten its limit; it may lengthen it only within the queue's maximum, as a queued job may set it.
            if ((queued || raises) && limit > maximum)
            {
                return Failure.Unprocessable("maxRuntime", $"must be at most queue '{targetName}''s maxRuntime ({target.MaxRuntime})");
            }

            what.Add($"maxRuntime {spec.MaxRuntime ?? "none"} → {IsoDuration.Format(limit)}");
            spec = spec with { MaxRuntime = IsoDuration.Format(limit) };
        }

        var now = clock.StoreNow();
        if (what.Count > 0)
        {
            job.Amend(spec, $"Updated by user {by}: {string.Join("; ", what)}", now);
        }

        if (changes.Hold is { } hold && hold != (job.HeldBy is not null))
        {
            if (JobControlRules.Queued(job, "hold", hold ? "held" : "released") is { } refused)
            {
                return refused;
            }

            if (hold)
            {
                job.Hold(by, now);
            }
            else
            {
                job.Release(by, now);
            }
        }

        return null;
    }
}
