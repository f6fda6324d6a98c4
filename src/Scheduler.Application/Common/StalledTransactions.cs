using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Scheduler.Persistence;

namespace Scheduler.Application.Common;

/// <summary>
/// A transaction that holds a lock other replicas wait for (the leader term's share lock, a queue's budget lock) must not
/// outlive a frozen process: SIGSTOP, a long GC pause or a stuck node leave its session idle in the transaction, and the
/// lock held, for as long as the connection lives. Such a transaction tells PostgreSQL to end the session once it has been
/// idle for <see cref="Timeout"/>; the lock is released and the frozen writer's commit fails when it wakes.
/// </summary>
internal static class StalledTransactions
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Limits the idle time of <paramref name="transaction"/> (SET LOCAL: this transaction only, PgBouncer-safe).</summary>
    public static async Task LimitIdleTimeAsync(SchedulerDbContext db, IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SET LOCAL idle_in_transaction_session_timeout = {(int)Timeout.TotalMilliseconds}");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
