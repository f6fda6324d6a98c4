using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Domain.Identity;
using Scheduler.Domain.Validation;
using Scheduler.Persistence;
using Scheduler.Persistence.Identity;

namespace Scheduler.Application.Identity;

/// <summary>Add a user to a team or change their role (the user is created when new); audited with the role before and after.</summary>
public sealed record PutTeamMember(string Team, string User, TeamRole Role, string? Actor) : ICommand<Result<TeamDetails>>;

internal sealed class PutTeamMemberValidator : IMessageValidator<PutTeamMember>
{
    public IEnumerable<FieldError> Validate(PutTeamMember message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!IdentityNames.IsUserName(message.User))
        {
            yield return new FieldError("user", IdentityNames.UserRule);
        }

        if (!Enum.IsDefined(message.Role))
        {
            yield return new FieldError("role", "must be one of Viewer, Member, Admin");
        }
    }
}

internal sealed class PutTeamMemberHandler(SchedulerDbContext db, TimeProvider clock, TokenCache cache) : ICommandHandler<PutTeamMember, Result<TeamDetails>>
{
    public async ValueTask<Result<TeamDetails>> Handle(PutTeamMember command, CancellationToken cancellationToken)
    {
        if (!await db.Teams.AnyAsync(t => t.Name == command.Team, cancellationToken))
        {
            return Failure.NotFound("team", $"no team is named '{command.Team}'");
        }

        var now = clock.StoreNow();
        if (!await db.Users.AnyAsync(u => u.Name == command.User, cancellationToken))
        {
            db.Users.Add(new User(command.User, clusterAdmin: false, now));
        }

        var member = await db.TeamMembers.FirstOrDefaultAsync(m => m.Team == command.Team && m.User == command.User, cancellationToken);
        object? before = member is null ? null : new { member.User, member.Role };
        if (member is null)
        {
            db.TeamMembers.Add(new TeamMember(command.Team, command.User, command.Role));
        }
        else
        {
            member.Role = command.Role;
        }

        AuditLog.Record(db, command.Actor, "team.member.put", $"team/{command.Team}/member/{command.User}", before, new { command.User, command.Role }, now);
        await db.SaveChangesAsync(cancellationToken);
        cache.Clear();
        db.ChangeTracker.Clear();
        return (await TeamReads.DetailsAsync(db, command.Team, cancellationToken))!;
    }
}
