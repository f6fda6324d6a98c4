using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Fencing of the operator's writes: inside the write's own transaction, the control-plane row is read with a share lock and
/// its leader term compared with the writer's. A Lease acquisition bumps the term (<see cref="BeginLeaderTerm"/>) and waits
/// for the lock, so once a new leader holds its term no write of an older one commits. A writer that stops in the middle of
/// its transaction (SIGSTOP, a long GC pause, a frozen node: exactly the stale leader fencing is for) would hold that lock,
/// and so the new leader's term, for as long as its connection lives; the fenced transaction therefore lets PostgreSQL end
/// it once idle (<see cref="StalledTransactions"/>), which releases the lock and makes the stalled writer's commit fail.
/// </summary>
public static class LeaderFence
{
    /// <summary>How long a fenced transaction may sit idle (its writer stalled) before PostgreSQL ends its session.</summary>
    public static TimeSpan StalledWriterTimeout => StalledTransactions.Timeout;

    /// <summary>The field a refused write names; the operator reads it as "step down".</summary>
    public const string Field = "leaderTerm";

    internal static Failure Stale(long term, long? current) =>
        Failure.Conflict(Field, $"leader term {term} is stale: the current term is {current?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}; another replica leads");

    /// <summary>The current term, share-locked until <paramref name="transaction"/> ends; null when no leader ever began one.</summary>
    internal static async Task<long?> CurrentTermAsync(SchedulerDbContext db, IDbContextTransaction transaction, CancellationToken cancellationToken)
    {
        await StalledTransactions.LimitIdleTimeAsync(db, transaction, cancellationToken);
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = transaction.GetDbTransaction();
        command.CommandText = "SELECT leader_term FROM control_plane WHERE id = 1 FOR SHARE";
        return await command.ExecuteScalarAsync(cancellationToken) is long term ? term : null;
    }
}
