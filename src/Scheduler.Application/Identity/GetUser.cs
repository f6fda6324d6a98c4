using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>A user as stored (null when the scheduler never saw the name: an OIDC user, say, whose teams come from groups).</summary>
public sealed record GetUser(string Name) : IQuery<UserDetails?>;

internal sealed class GetUserHandler(SchedulerDbContext db) : IQueryHandler<GetUser, UserDetails?>
{
    public async ValueTask<UserDetails?> Handle(GetUser query, CancellationToken cancellationToken)
    {
        var user = await db.Users.AsNoTracking().FirstOrDefaultAsync(u => u.Name == query.Name, cancellationToken);
        if (user is null)
        {
            return null;
        }

        var teams = await db.TeamMembers.AsNoTracking().Where(m => m.User == query.Name).OrderBy(m => m.Team)
            .Select(m => new TeamGrant(m.Team, m.Role)).ToListAsync(cancellationToken);
        return new UserDetails(user.Name, user.ClusterAdmin, teams);
    }
}
