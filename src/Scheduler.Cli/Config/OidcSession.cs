namespace Scheduler.Cli.Config;

/// <summary>
/// What <c>gpusched login</c>'s device flow stores: the provider and public client it signed in with, the access token
/// sent to the server, when it expires (null: the provider did not say; a 401 then triggers the refresh) and the refresh token.
/// </summary>
internal sealed record OidcSession(string Authority, string ClientId, string AccessToken, DateTimeOffset? ExpiresAt, string? RefreshToken, string? Scope)
{
    /// <summary>Refresh this long before the expiry, so that a token does not lapse between the check and the server's.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(30);

    public bool IsExpired(DateTimeOffset now) => ExpiresAt is { } expires && now >= expires - Margin;
}
