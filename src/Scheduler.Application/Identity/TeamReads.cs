using Microsoft.EntityFrameworkCore;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>Reads a team with its members and queues (shared by the team use cases' answers).</summary>
internal static class TeamReads
{
    public static async Task<TeamDetails?> DetailsAsync(SchedulerDbContext db, string name, CancellationToken cancellationToken)
    {
        var team = await db.Teams.AsNoTracking().FirstOrDefaultAsync(t => t.Name == name, cancellationToken);
        if (team is null)
        {
            return null;
        }

        var members = await db.TeamMembers.AsNoTracking().Where(m => m.Team == name).OrderBy(m => m.User)
            .Select(m => new TeamMemberDetails(m.User, m.Role)).ToListAsync(cancellationToken);
        var queues = await db.Queues.AsNoTracking().Where(q => q.Team == name).OrderBy(q => q.Name).Select(q => q.Name).ToListAsync(cancellationToken);
        return new TeamDetails(team.Name, team.CreatedAt, members, queues);
    }
}
