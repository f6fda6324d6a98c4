using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>Why a queued job waits, and when a backfill reservation predicts it starts.</summary>
public sealed record PendingUpdate(Guid JobId, string Reason, DateTimeOffset? PredictedStart);

/// <summary>
/// Records the cycle's pending reasons in one save. Jobs that left the queue meanwhile are skipped, and a concurrent
/// change of a job wins over its reason (the next cycle writes it again); the answer counts the jobs updated.
/// </summary>
public sealed record SetPendingReasons(IReadOnlyList<PendingUpdate> Updates) : ICommand<int>;

internal sealed class SetPendingReasonsHandler(SchedulerDbContext db) : ICommandHandler<SetPendingReasons, int>
{
    public async ValueTask<int> Handle(SetPendingReasons command, CancellationToken cancellationToken)
    {
        if (command.Updates.Count == 0)
        {
            return 0;
        }

        var updates = command.Updates.GroupBy(u => u.JobId).ToDictionary(g => g.Key, g => g.Last());
        var ids = updates.Keys.ToList();
        var jobs = await db.Jobs.Where(j => ids.Contains(j.Id) && j.State == JobState.Queued).ToListAsync(cancellationToken);
        foreach (var job in jobs)
        {
            var update = updates[job.Id];
            job.SetPending(update.Reason.Length > 1024 ? update.Reason[..1024] : update.Reason, update.PredictedStart);
        }

        try
        {
            return await db.SaveChangesAsync(cancellationToken) > 0 ? jobs.Count : 0;
        }
        catch (DbUpdateConcurrencyException)
        {
            return 0;
        }
        finally
        {
            db.ChangeTracker.Clear();
        }
    }
}
