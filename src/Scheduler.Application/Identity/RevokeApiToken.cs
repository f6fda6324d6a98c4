using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>Revoke one of <paramref name="User"/>'s tokens: the next request with it is refused. Idempotent.</summary>
public sealed record RevokeApiToken(string User, Guid TokenId, string? Actor) : ICommand<Result<ApiTokenDetails>>;

internal sealed class RevokeApiTokenHandler(SchedulerDbContext db, TimeProvider clock, TokenCache cache) : ICommandHandler<RevokeApiToken, Result<ApiTokenDetails>>
{
    public async ValueTask<Result<ApiTokenDetails>> Handle(RevokeApiToken command, CancellationToken cancellationToken)
    {
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == command.TokenId && t.User == command.User, cancellationToken);
        if (token is null)
        {
            return Failure.NotFound("tokenId", $"user '{command.User}' has no token {command.TokenId}");
        }

        if (token.RevokedAt is null)
        {
            var now = clock.StoreNow();
            var before = ApiTokenDetails.From(token);
            token.Revoke(now);
            AuditLog.Record(db, command.Actor, "token.revoke", $"user/{command.User}/token/{token.Id}", before, ApiTokenDetails.From(token), now);
            await db.SaveChangesAsync(cancellationToken);
            cache.Clear();
        }

        db.ChangeTracker.Clear();
        return ApiTokenDetails.From(token);
    }
}
