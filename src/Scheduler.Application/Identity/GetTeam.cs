using Mediator;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

public sealed record GetTeam(string Name) : IQuery<Result<TeamDetails>>;

internal sealed class GetTeamHandler(SchedulerDbContext db) : IQueryHandler<GetTeam, Result<TeamDetails>>
{
    public async ValueTask<Result<TeamDetails>> Handle(GetTeam query, CancellationToken cancellationToken) =>
        await TeamReads.DetailsAsync(db, query.Name, cancellationToken) is { } team
            ? team
            : Failure.NotFound("team", $"no team is named '{query.Name}'");
}
