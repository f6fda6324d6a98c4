using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>Take a user out of a team (audited); 404 when they are not in it.</summary>
public sealed record RemoveTeamMember(string Team, string User, string? Actor) : ICommand<Result<TeamDetails>>;

internal sealed class RemoveTeamMemberHandler(SchedulerDbContext db, TimeProvider clock, TokenCache cache) : ICommandHandler<RemoveTeamMember, Result<TeamDetails>>
{
    public async ValueTask<Result<TeamDetails>> Handle(RemoveTeamMember command, CancellationToken cancellationToken)
    {
        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.Team == command.Team && m.User == command.User, cancellationToken);
        if (member is null)
        {
            return Failure.NotFound("user", $"'{command.User}' is not a member of team '{command.Team}'");
        }

        db.TeamMembers.Remove(member);
        AuditLog.Record(db, command.Actor, "team.member.remove", $"team/{command.Team}/member/{command.User}", new { member.User, member.Role }, null, clock.StoreNow());
        await db.SaveChangesAsync(cancellationToken);
        cache.Clear();
        db.ChangeTracker.Clear();
        return (await TeamReads.DetailsAsync(db, command.Team, cancellationToken))!;
    }
}
