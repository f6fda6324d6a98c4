using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>Every team with its members and queues, by name.</summary>
public sealed record ListTeams : IQuery<IReadOnlyList<TeamDetails>>;

internal sealed class ListTeamsHandler(SchedulerDbContext db) : IQueryHandler<ListTeams, IReadOnlyList<TeamDetails>>
{
    public async ValueTask<IReadOnlyList<TeamDetails>> Handle(ListTeams query, CancellationToken cancellationToken)
    {
        var teams = await db.Teams.AsNoTracking().OrderBy(t => t.Name).ToListAsync(cancellationToken);
        var members = (await db.TeamMembers.AsNoTracking().ToListAsync(cancellationToken)).ToLookup(m => m.Team);
        var queues = (await db.Queues.AsNoTracking().Where(q => q.Team != null).Select(q => new { q.Team, q.Name }).ToListAsync(cancellationToken)).ToLookup(q => q.Team!);
        return [.. teams.Select(t => new TeamDetails(
            t.Name,
            t.CreatedAt,
            [.. members[t.Name].OrderBy(m => m.User, StringComparer.Ordinal).Select(m => new TeamMemberDetails(m.User, m.Role))],
            [.. queues[t.Name].Select(q => q.Name).Order(StringComparer.Ordinal)]))];
    }
}
