using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Admission;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Jobs;

/// <summary>
/// Read a job, change it, save the row and its new events in one transaction. The version column makes a concurrent
/// writer's save fail (or its event collide with ours on (job, sequence)); the change is then decided again on a fresh read, so it never applies to a state it did not see.
/// </summary>
internal static class JobChanges
{
    public const int MaxAttempts = 5;

    public static Failure NoSuchJob(Guid id) => Failure.NotFound("id", $"no job has id {id}");

    /// <param name="change">Changes the job, or answers why it must not; null means done (changed or already as wanted).</param>
    /// <param name="leaderTerm">The operator's term: the change commits only while it leads (<see cref="Scheduling.LeaderFence"/>).</param>
    public static async ValueTask<Result<JobDetails>> ApplyAsync(
        SchedulerDbContext db, Guid jobId, Func<Job, Failure?> change, CancellationToken cancellationToken, long? leaderTerm = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Fenced: the term's row is share-locked in the write's own transaction, so a newer term cannot begin before it commits.
            await using var fence = leaderTerm is null ? null : await db.Database.BeginTransactionAsync(cancellationToken);
            if (fence is not null && await Scheduling.LeaderFence.CurrentTermAsync(db, fence, cancellationToken) is var current && current != leaderTerm)
            {
                return Scheduling.LeaderFence.Stale(leaderTerm!.Value, current);
            }

            var job = await StoreQueries.TrackedJobById(db, jobId, cancellationToken);
            if (job is null)
            {
                return NoSuchJob(jobId);
            }

            var wasFinal = JobStateMachine.IsFinal(job.State);
            if (Decide(job, change) is { } refusal)
            {
                db.ChangeTracker.Clear();
                return refusal;
            }

            var ended = !wasFinal && JobStateMachine.IsFinal(job.State);
            if (ended)
            {
                await BudgetSettlement.SettleAsync(db, job, cancellationToken);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                db.ChangeTracker.Clear();
                if (fence is not null)
                {
                    await fence.CommitAsync(cancellationToken);
                }

                if (ended)
                {
                    await BudgetHolds.ReleaseAsync(db, job.Queue, job.UpdatedAt, cancellationToken);
                }

                return await AdmissionRecords.AttachAsync(db, JobDetails.From(job), cancellationToken);
            }
            catch (DbUpdateException ex) when (ex is DbUpdateConcurrencyException || ex.IsUniqueViolation(ConstraintNames.JobEventKey))
            {
                db.ChangeTracker.Clear();
                if (attempt == MaxAttempts)
                {
                    return Failure.Conflict("version", $"the job kept changing under {MaxAttempts} attempts; read it again and retry");
                }
            }
        }
    }

    private static Failure? Decide(Job job, Func<Job, Failure?> change)
    {
        try
        {
            return change(job);
        }
        catch (IllegalTransitionException ex)
        {
            return Failure.Conflict("state", ex.Message);
        }
    }
}
