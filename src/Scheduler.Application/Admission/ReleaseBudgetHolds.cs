using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// Charges held jobs whose predicted GPU-hours now fit their queue's budget (a new period began, or ended jobs were
/// corrected down), oldest first; the rest stay held. Answers how many were released. Ending a job runs it for the
/// job's queue; a periodic caller (the operator's cycle) covers period roll-overs.
/// </summary>
public sealed record ReleaseBudgetHolds(string? Queue = null) : ICommand<int>;

internal sealed class ReleaseBudgetHoldsHandler(SchedulerDbContext db, TimeProvider clock) : ICommandHandler<ReleaseBudgetHolds, int>
{
    public async ValueTask<int> Handle(ReleaseBudgetHolds command, CancellationToken cancellationToken)
    {
        var queues = await db.BudgetCharges.AsNoTracking()
            .Where(c => c.HoldReason != null && (command.Queue == null || c.Queue == command.Queue))
            .Select(c => c.Queue).Distinct().ToListAsync(cancellationToken);
        var released = 0;
        foreach (var queue in queues)
        {
            released += await BudgetHolds.ReleaseAsync(db, queue, clock.StoreNow(), cancellationToken);
        }

        return released;
    }
}

internal static class BudgetHolds
{
    /// <summary>Releases the queue's held jobs that fit, oldest first, stopping at the first that does not (no overtaking).</summary>
    public static async ValueTask<int> ReleaseAsync(SchedulerDbContext db, string queueName, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var transaction = await BudgetLock.BeginAsync(db, queueName, cancellationToken);
        var released = await ReleaseLockedAsync(db, queueName, at, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return released;
    }

    private static async ValueTask<int> ReleaseLockedAsync(SchedulerDbContext db, string queueName, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var queue = await StoreQueries.QueueByName(db, queueName, cancellationToken);
        var held = await db.BudgetCharges
            .Where(c => c.Queue == queueName && c.HoldReason != null)
            .Join(db.Jobs.Where(StoreQueries.IsActive), c => c.JobId, j => j.Id, (c, j) => c)
            .OrderBy(c => c.ChargedAt).ThenBy(c => c.JobId)
            .ToListAsync(cancellationToken);
        if (queue is null || held.Count == 0)
        {
            db.ChangeTracker.Clear();
            return 0;
        }

        var usage = await BudgetUsage.OfAsync(db, queueName, queue.Spec.GpuHourBudget, at, cancellationToken);
        var remaining = usage?.RemainingGpuHours ?? double.PositiveInfinity;
        var released = 0;
        // Strict order (docs/admission.md): the first that does not fit keeps the later ones held. Submission refuses a job
        // beyond the whole budget, so only one held before its budget was lowered can block here for good.
        foreach (var charge in held.TakeWhile(c => c.PredictedGpuHours <= remaining))
        {
            charge.Release(at);
            remaining -= charge.PredictedGpuHours;
            released++;
        }

        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Another release or a settlement changed these charges first; the next run decides on fresh rows.
            released = 0;
        }

        db.ChangeTracker.Clear();
        return released;
    }
}
