using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Common;
using Scheduler.Persistence;

namespace Scheduler.Application.Identity;

/// <summary>
/// Who an API token belongs to (the authentication handler's question, once per request): the user with their teams, or
/// why the token is refused. The token is hashed and looked up by its hash; the last-used time is written at most once a
/// <see cref="LastUsedResolution"/> per token, so a busy client costs one indexed read per request, not a write.
/// </summary>
public sealed record AuthenticateApiToken(string Token) : IQuery<TokenAuthentication>
{
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);
}

/// <summary>The token's user, or (<see cref="Identity"/> null) the reason it was refused.</summary>
public sealed record TokenAuthentication(UserIdentity? Identity, Guid? TokenId, string? Refusal);

internal sealed class AuthenticateApiTokenHandler(SchedulerDbContext db, TimeProvider clock, TokenCache cache) : IQueryHandler<AuthenticateApiToken, TokenAuthentication>
{
    public async ValueTask<TokenAuthentication> Handle(AuthenticateApiToken query, CancellationToken cancellationToken)
    {
        if (!ApiTokenSecrets.LooksLikeToken(query.Token))
        {
            return new TokenAuthentication(null, null, "not an API token");
        }

        var hash = ApiTokenSecrets.Hash(query.Token);
        var key = Convert.ToHexString(hash);
        if (cache.Find(key) is { } cached)
        {
            return cached;
        }
        var found = await db.ApiTokens.AsNoTracking()
            .Where(t => t.Hash == hash)
            .Select(t => new
            {
                t.Id,
                t.User,
                t.ExpiresAt,
                t.RevokedAt,
                t.LastUsedAt,
                Admin = db.Users.Where(u => u.Name == t.User).Select(u => u.ClusterAdmin).FirstOrDefault(),
                Teams = db.TeamMembers.Where(m => m.User == t.User).Select(m => new TeamGrant(m.Team, m.Role)).ToList(),
            })
            .FirstOrDefaultAsync(cancellationToken);
        var now = clock.StoreNow();
        if (found is null)
        {
            return new TokenAuthentication(null, null, "unknown token");
        }

        if (found.RevokedAt is not null)
        {
            return new TokenAuthentication(null, found.Id, "the token was revoked");
        }

        if (found.ExpiresAt <= now)
        {
            return new TokenAuthentication(null, found.Id, "the token expired");
        }

        if (found.LastUsedAt is null || now - found.LastUsedAt >= AuthenticateApiToken.LastUsedResolution)
        {
            // Conditional, so that concurrent requests of the same token write it once.
            var stale = now - AuthenticateApiToken.LastUsedResolution;
            await db.ApiTokens.Where(t => t.Id == found.Id && (t.LastUsedAt == null || t.LastUsedAt <= stale))
                .ExecuteUpdateAsync(set => set.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        var authenticated = new TokenAuthentication(new UserIdentity(found.User, found.Admin, found.Teams), found.Id, null);
        cache.Remember(key, authenticated, found.ExpiresAt);
        return authenticated;
    }
}
