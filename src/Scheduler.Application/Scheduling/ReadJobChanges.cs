using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// The job rows written since <see cref="Since"/> (a watermark an earlier answer gave), or with <c>null</c> every job in an
/// active state: the operator's incremental snapshot (<c>ActiveJobCache</c>) keeps the rows and asks only for what changed.
/// A changed row comes back in whatever state it is now (a job that ended or was held must leave the cache), with who holds
/// it; <see cref="ChangedJobs.BudgetHeld"/> is read whole each time (budget holds live in another table, and are few).
/// </summary>
/// <remarks>
/// Every insert and update of <c>jobs</c> stamps <c>change_xid</c> with its transaction's id (a trigger of the
/// IncrementalSnapshot migration, so no writer can forget it). The watermark answered is the oldest transaction still in
/// progress when the read began (<c>pg_snapshot_xmin</c>), taken before the rows are read: every transaction below it had
/// ended and is seen by the read, and any transaction the read could not see has an id at or above it, so the next read
/// (<c>change_xid &gt;= watermark</c>) finds its rows. Rows of transactions that ended between the two are read twice, which
/// costs nothing but the read.
/// </remarks>
public sealed record ReadJobChanges(long? Since) : IQuery<ChangedJobs>;

/// <summary>One changed job row, with its holder (a queued job a person or spec.hold holds is not the scheduler's).</summary>
public sealed record ChangedJob(ActiveJob Job, string? HeldBy);

/// <summary>What <see cref="ReadJobChanges"/> answers: the rows, the watermark for the next read, and the budget-held job ids.</summary>
public sealed record ChangedJobs(long Watermark, bool Full, IReadOnlyList<ChangedJob> Rows, IReadOnlySet<Guid> BudgetHeld);

internal sealed class ReadJobChangesHandler(SchedulerDbContext db) : IQueryHandler<ReadJobChanges, ChangedJobs>
{
    public async ValueTask<ChangedJobs> Handle(ReadJobChanges query, CancellationToken cancellationToken)
    {
        // First, in its own statement: the watermark must not be newer than what the rows' read sees (see the remarks).
        var watermark = await db.Database
            .SqlQuery<long>($"SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS \"Value\"")
            .SingleAsync(cancellationToken);
        var rows = query.Since is { } since
            ? await db.Jobs.FromSql($"SELECT * FROM jobs WHERE change_xid >= {since}").AsNoTracking().ToListAsync(cancellationToken)
            : await db.Jobs.AsNoTracking()
                .Where(j => j.State == JobState.Queued || j.State == JobState.Admitted || j.State == JobState.Running || j.State == JobState.Preempted)
                .ToListAsync(cancellationToken);
        var held = await db.BudgetCharges.AsNoTracking().Where(c => c.HoldReason != null).Select(c => c.JobId).ToListAsync(cancellationToken);
        var ids = rows.Where(j => !JobStateMachine.IsFinal(j.State)).Select(j => j.Id).ToList();
        var wallHours = ids.Count == 0
            ? []
            : await db.JobEstimates.AsNoTracking()
                .Where(e => ids.Contains(e.JobId) && e.Gpus > 0)
                .ToDictionaryAsync(e => e.JobId, e => e.PredictedGpuHours / e.Gpus, cancellationToken);
        var changes = rows.Select(j => new ChangedJob(
            new ActiveJob(
                j.Id, j.Name, j.Queue, j.Namespace, j.PriorityClass, j.State, j.Spec, j.Attempt, j.Version, j.CreatedAt, j.QueuedAt, j.StartedAt,
                j.Placement, j.Progress, j.LastCheckpointStep, j.LastCheckpointAt, j.PreemptionCount, j.LastPreemptedAt,
                j.FailedAttempts, j.PendingReason, j.PredictedStart, wallHours.TryGetValue(j.Id, out var h) ? h : null, j.Reason,
                j.SubmittedBy, j.ArrayId, j.ArrayIndex),
            j.HeldBy)).ToList();
        return new ChangedJobs(watermark, query.Since is null, changes, held.ToHashSet());
    }
}
