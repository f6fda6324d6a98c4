using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Application.Queues;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>Give a queue to a team, or (null) take it back to the cluster admins (audited).</summary>
public sealed record SetQueueTeam(string Queue, string? Team, string? Actor) : ICommand<Result<QueueDetails>>;

internal sealed class SetQueueTeamHandler(SchedulerDbContext db, TimeProvider clock, QueueDirectory queues) : ICommandHandler<SetQueueTeam, Result<QueueDetails>>
{
    public async ValueTask<Result<QueueDetails>> Handle(SetQueueTeam command, CancellationToken cancellationToken)
    {
        var queue = await db.Queues.FirstOrDefaultAsync(q => q.Name == command.Queue, cancellationToken);
        if (queue is null)
        {
            return Failure.NotFound("name", $"no queue is named '{command.Queue}'");
        }

        if (command.Team is { } team && !await db.Teams.AnyAsync(t => t.Name == team, cancellationToken))
        {
            return Failure.Invalid("team", $"names no team; create it first with PUT /api/v1/teams/{team}");
        }

        var now = clock.StoreNow();
        var before = new { queue.Team };
        queue.AssignTeam(command.Team, now);
        AuditLog.Record(db, command.Actor, "queue.team", $"queue/{command.Queue}", before, new { queue.Team }, now);
        await db.SaveChangesAsync(cancellationToken);
        db.ChangeTracker.Clear();
        queues.Forget(command.Queue);
        return QueueDetails.From(queue);
    }
}
