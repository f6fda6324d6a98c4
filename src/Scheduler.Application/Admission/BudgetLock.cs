using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// Serialises what spends a queue's GPU-hour budget: a budget check and the charge it leads to run in one transaction that
/// holds this queue's lock (a PostgreSQL advisory lock, released at commit or rollback, shared by every replica), so two
/// submissions, or a submission and a hold release, never both spend the same room.
/// </summary>
internal static class BudgetLock
{
    /// <summary>Begins a transaction on <paramref name="db"/> and waits for the queue's budget lock within it.</summary>
    public static async Task<IDbContextTransaction> BeginAsync(SchedulerDbContext db, string queue, CancellationToken cancellationToken)
    {
        var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        try
        {
            // A replica frozen while holding the lock would stop every budgeted submission to this queue on every replica.
            await StalledTransactions.LimitIdleTimeAsync(db, transaction, cancellationToken);
            var key = "gpu-scheduler/budget/" + queue;
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))", cancellationToken);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync();
            throw;
        }
    }
}
