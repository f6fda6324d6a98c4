using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>A user's tokens, newest first, revoked and expired ones included (until removed with the user).</summary>
public sealed record ListApiTokens(string User) : IQuery<IReadOnlyList<ApiTokenDetails>>;

internal sealed class ListApiTokensHandler(SchedulerDbContext db) : IQueryHandler<ListApiTokens, IReadOnlyList<ApiTokenDetails>>
{
    public async ValueTask<IReadOnlyList<ApiTokenDetails>> Handle(ListApiTokens query, CancellationToken cancellationToken)
    {
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.User == query.User).OrderByDescending(t => t.CreatedAt).ToListAsync(cancellationToken);
        return [.. tokens.Select(ApiTokenDetails.From)];
    }
}
