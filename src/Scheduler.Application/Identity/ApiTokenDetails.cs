using Scheduler.Persistence.Identity;

namespace Scheduler.Application.Identity;

/// <summary>A token as the API lists it: never the token itself, which is shown once, when created.</summary>
public sealed record ApiTokenDetails(Guid Id, string User, string Label, DateTimeOffset CreatedAt, DateTimeOffset ExpiresAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public static ApiTokenDetails From(ApiToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return new(token.Id, token.User, token.Label, token.CreatedAt, token.ExpiresAt, token.LastUsedAt, token.RevokedAt);
    }
}

/// <summary>A new token: its details and, this once, the token.</summary>
public sealed record CreatedApiToken(ApiTokenDetails Details, string Token);
