using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Queues;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using Scheduler.Persistence;
using Scheduler.Persistence.Idempotency;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Submit a job spec. An identical resubmission of an active job's name in the same queue returns that job
/// (<see cref="SubmittedJob.Created"/> false); another spec under that name is a conflict. With an
/// <paramref name="IdempotencyKey"/>, a repeat within 24 hours returns the job the key created, even after it ended.
/// A TrainingJob submits with its <paramref name="Origin"/>; an active job of that name from elsewhere is then a conflict.
/// With <paramref name="VisibleTeams"/> (private mode) a dependency may name only those teams' jobs: others read as absent.
/// </summary>
public sealed record SubmitJob(JobSpec Spec, string? IdempotencyKey = null, JobOrigin? Origin = null, string? SubmittedBy = null, IReadOnlyList<string>? VisibleTeams = null) : ICommand<Result<SubmittedJob>>
{
    public const string IdempotencyKeyField = "Idempotency-Key";

    public static readonly TimeSpan IdempotencyKeyLifetime = TimeSpan.FromHours(24);
}

public sealed record SubmittedJob(JobDetails Job, bool Created);

internal sealed class SubmitJobValidator(JobSpecValidator specValidator, IOptions<Notifications.NotificationOptions> notifications) : IMessageValidator<SubmitJob>
{
    public IEnumerable<FieldError> Validate(SubmitJob message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Spec is null)
        {
            return [new FieldError("$", "the body must be a job spec")];
        }

        var errors = specValidator.Check(message.Spec).ToList();
        errors.AddRange(Notifications.NotificationTargets.Check(message.Spec, notifications.Value));
        if (message.IdempotencyKey is { } key && !IsValidKey(key))
        {
            errors.Add(new FieldError(SubmitJob.IdempotencyKeyField, $"must be 1 to {IdempotencyRecord.MaxKeyLength} visible ASCII characters"));
        }

        return errors;
    }

    private static bool IsValidKey(string key) => key.Length is > 0 and <= IdempotencyRecord.MaxKeyLength && key.All(c => c is > ' ' and <= '~');
}

internal sealed class SubmitJobHandler(
    SchedulerDbContext db, TimeProvider clock, QueueDirectory queues, JobWriter jobWriter, JobAdmission admission, SubmissionCaps caps,
    IOptions<JobPodPolicy> pods)
    : ICommandHandler<SubmitJob, Result<SubmittedJob>>
{
    public async ValueTask<Result<SubmittedJob>> Handle(SubmitJob command, CancellationToken cancellationToken)
    {
        var queue = await queues.FindAsync(db, command.Spec.Queue!, cancellationToken);
        if (queue is null)
        {
            return Failure.Invalid("queue", $"names no queue; create it first with PUT /api/v1/queues/{command.Spec.Queue}");
        }

        if (QueueClaims.Check(pods.Value, command.Spec) is { } claimRefused)
        {
            return claimRefused;
        }

        var normalized = JobSpecNormalizer.Normalize(command.Spec) with
        {
            PriorityClass = command.Spec.PriorityClass ?? queue.Spec.DefaultPriorityClass ?? PriorityClasses.DefaultClass,
            MaxRuntime = command.Spec.MaxRuntime ?? queue.Spec.DefaultMaxRuntime,
            // The queue's webhooks are stored with the job, as its defaults are: a later change of the queue leaves it as submitted.
            Notify = Notifications.NotificationTargets.WithQueue(command.Spec.Notify, queue.Spec.Notify),
        };
        if (IsoDuration.TryParse(normalized.MaxRuntime) > IsoDuration.TryParse(queue.Spec.MaxRuntime))
        {
            return Failure.Invalid("maxRuntime", $"must be at most queue '{queue.Name}''s maxRuntime ({queue.Spec.MaxRuntime})");
        }

        var resolved = await DependencyResolution.ResolveAsync(db, normalized, command.VisibleTeams, cancellationToken);
        if (!resolved.IsSuccess)
        {
            return resolved.Failure;
        }

        var spec = resolved.Value;

        if (queue.Spec.GpuHourBudget is null)
        {
            return await SubmitAsync(command, queue, spec, grouped: true, cancellationToken);
        }

        // The budget check and the charge in one transaction under the queue's budget lock: submissions racing each other
        // cannot together spend more than the room each saw. Such a job is written alone, not with a group of others.
        // A replay or a resubmission under an active name is answered first, under the same lock: the existing job (or the
        // conflict) is the answer whatever the budget has left, and of identical submissions racing, the later ones see
        // the first one's job.
        await using var transaction = await BudgetLock.BeginAsync(db, queue.Name, cancellationToken);
        var result = await ExistingJobAnswerAsync(command, spec, cancellationToken)
            ?? await SubmitAsync(command, queue, spec, grouped: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// The answer a submission gets from a job that already exists, before any admission check: the job its unexpired
    /// idempotency key created (or 422 for another spec), or the active job of its name in the queue (the same spec: that
    /// job; another spec or another client: 409). Null when neither exists.
    /// </summary>
    private async ValueTask<Result<SubmittedJob>?> ExistingJobAnswerAsync(SubmitJob command, JobSpec spec, CancellationToken cancellationToken)
    {
        if (command.IdempotencyKey is { } key
            && await db.IdempotencyKeys.FindAsync([key], cancellationToken) is { } record
            && record.ExpiresAt > clock.StoreNow())
        {
            return await ReplayAsync(record.JobId, spec, cancellationToken);
        }

        var existing = await StoreQueries.ActiveJobNamedAsync(db, spec.Queue!, ArraySubmission.LookupName(spec), cancellationToken);
        return existing is null ? null : (Result<SubmittedJob>?)SameSpecOrConflict(existing, spec.Array is null ? spec : ArraySubmission.TaskSpec(spec, 0), command.Origin);
    }

    private async ValueTask<Result<SubmittedJob>> SubmitAsync(SubmitJob command, JobQueue queue, JobSpec spec, bool grouped, CancellationToken cancellationToken)
    {
        var tasks = ArraySubmission.TaskCount(spec);
        if (await caps.CheckAsync(db, spec, command.SubmittedBy, cancellationToken, tasks) is { } full)
        {
            // A replay or an identical resubmission still gets its job: the cap only stops new ones.
            return await ExistingJobAnswerAsync(command, spec, cancellationToken) ?? full;
        }

        var admitted = await admission.AdmitAsync(queue, spec, cancellationToken, tasks);
        if (!admitted.IsSuccess)
        {
            return admitted.Failure;
        }

        if (spec.Array is not null)
        {
            return await SubmitArrayAsync(command, spec, admitted.Value, tasks, cancellationToken);
        }

        // A job that ended between our insert and our read frees its name: the second try inserts.
        for (var attempt = 1; ; attempt++)
        {
            var now = clock.StoreNow();
            IdempotencyRecord? expired = null;
            if (command.IdempotencyKey is { } key)
            {
                var record = await db.IdempotencyKeys.FindAsync([key], cancellationToken);
                if (record is not null && record.ExpiresAt > now)
                {
                    return await ReplayAsync(record.JobId, spec, cancellationToken);
                }

                expired = record;
            }

            var job = Job.Submit(Guid.CreateVersion7(now), spec, now, command.Origin, command.SubmittedBy);
            if (grouped && command.IdempotencyKey is null && attempt == 1)
            {
                if (await jobWriter.TryInsertAsync(job, admitted.Value.RowsFor(job), cancellationToken))
                {
                    caps.Added(spec, command.SubmittedBy);
                    return new SubmittedJob(admitted.Value.Describe(job), Created: true);
                }

                // Not inserted with its group (its name is taken, or the group failed): insert it alone, where a conflict gets
                // its exact answer; under a fresh id, should a failed group's commit have landed after all.
                job = Job.Submit(Guid.CreateVersion7(now), spec, now, command.Origin, command.SubmittedBy);
            }

            db.Jobs.Add(job);
            admitted.Value.Record(db, job);
            RememberKey(command.IdempotencyKey, expired, job.Id, now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                caps.Added(spec, command.SubmittedBy);
                return new SubmittedJob(admitted.Value.Describe(job), Created: true);
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation(ConstraintNames.ActiveJobName))
            {
                db.ChangeTracker.Clear();
                var existing = await StoreQueries.ActiveJobNamedAsync(db, job.Queue, job.Name, cancellationToken);
                if (existing is not null)
                {
                    return SameSpecOrConflict(existing, spec, command.Origin);
                }
            }
            catch (DbUpdateException ex) when (ex.IsUniqueViolation(ConstraintNames.IdempotencyKey))
            {
                // A concurrent request with the same key won the race.
                db.ChangeTracker.Clear();
            }
            catch (DbUpdateConcurrencyException)
            {
                // The expired key we were renewing was purged meanwhile (IdempotencyKeyPurgeJob): the next try inserts it.
                db.ChangeTracker.Clear();
            }

            if (attempt == 3)
            {
                return Failure.Conflict("name", "the job name or idempotency key changed hands while submitting; try again");
            }
        }
    }

    /// <summary>An array: its tasks in one statement (<see cref="ArraySubmission"/>), then its idempotency key, naming task 0.</summary>
    private async ValueTask<Result<SubmittedJob>> SubmitArrayAsync(SubmitJob command, JobSpec spec, AdmissionTicket ticket, int tasks, CancellationToken cancellationToken)
    {
        var now = clock.StoreNow();
        if (await ExistingJobAnswerAsync(command, spec, cancellationToken) is { } existing)
        {
            return existing;
        }

        var result = await ArraySubmission.InsertAsync(db, spec, ticket, now, command, cancellationToken);
        if (!result.IsSuccess)
        {
            return result;
        }

        caps.Added(spec, command.SubmittedBy, tasks);
        if (command.IdempotencyKey is { } key)
        {
            var expired = await db.IdempotencyKeys.FindAsync([key], cancellationToken);
            RememberKey(key, expired, result.Value.Job.Id, now);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateException)
            {
                // The array is stored; only the key's record lost a race with a concurrent request using the same key.
                db.ChangeTracker.Clear();
            }
        }

        return result;
    }

    private void RememberKey(string? key, IdempotencyRecord? expired, Guid jobId, DateTimeOffset now)
    {
        if (key is null)
        {
            return;
        }

        if (expired is null)
        {
            db.IdempotencyKeys.Add(new IdempotencyRecord(key, jobId, now, now + SubmitJob.IdempotencyKeyLifetime));
        }
        else
        {
            expired.Renew(jobId, now, now + SubmitJob.IdempotencyKeyLifetime);
        }
    }

    private async ValueTask<Result<SubmittedJob>> ReplayAsync(Guid jobId, JobSpec spec, CancellationToken cancellationToken)
    {
        var job = await StoreQueries.JobById(db, jobId, cancellationToken);
        return job is not null && SpecComparison.AreSame(job.Spec, spec.Array is null ? spec : ArraySubmission.TaskSpec(spec, 0))
            ? new SubmittedJob(JobDetails.From(job), Created: false)
            : Failure.Unprocessable(SubmitJob.IdempotencyKeyField, "was used within the last 24 hours to submit a different job spec");
    }

    private static Result<SubmittedJob> SameSpecOrConflict(Job existing, JobSpec spec, JobOrigin? origin) =>
        !SpecComparison.AreSame(existing.Spec, spec)
            ? Failure.Conflict("name", $"an active job named '{existing.Name}' (id {existing.Id}) already exists in queue '{existing.Queue}' with a different spec")
            : origin is not null && origin.Uid != existing.Origin?.Uid
                ? Failure.Conflict("name", $"an active job named '{existing.Name}' (id {existing.Id}) in queue '{existing.Queue}' was submitted by another client")
                : new SubmittedJob(JobDetails.From(existing), Created: false);
}
