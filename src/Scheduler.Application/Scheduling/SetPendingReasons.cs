using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;
using Scheduler.Persistence.Jobs;

namespace Scheduler.Application.Scheduling;

/// <summary>Why a queued job waits, and when a backfill reservation predicts it starts.</summary>
public sealed record PendingUpdate(Guid JobId, string Reason, DateTimeOffset? PredictedStart);

/// <summary>
/// Records the cycle's pending reasons in one statement. Jobs that left the queue meanwhile are skipped, and a concurrent
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
        // Read untracked and written in one statement (JobChangesUpdate): a cycle after a burst records thousands of reasons.
        var update = JobChangesUpdate.For(db.Model);
        var changes = new List<JobBeforeChange>();
        foreach (var job in await db.Jobs.AsNoTracking().Where(j => ids.Contains(j.Id) && j.State == JobState.Queued).ToListAsync(cancellationToken))
        {
            var pending = updates[job.Id];
            var before = update.Before(job);
            job.SetPending(pending.Reason.Length > 1024 ? pending.Reason[..1024] : pending.Reason, pending.PredictedStart);
            changes.Add(before);
        }

        return (await update.ExecuteAsync(db, changes, cancellationToken)).Count;
    }
}
