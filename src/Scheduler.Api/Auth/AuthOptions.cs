namespace Scheduler.Api.Auth;

/// <summary><c>Scheduler:Auth</c>: who may see what beyond the defaults (docs/security.md).</summary>
internal sealed class AuthOptions
{
    public const string Section = "Scheduler:Auth";

    /// <summary>Users see other teams' jobs only as occupancy: lists leave them out, reads answer 404.</summary>
    public bool PrivateMode { get; set; }

    /// <summary><c>/metrics</c>: <see cref="MetricsAccess.Open"/> (default, for a scraper on the cluster network) or <see cref="MetricsAccess.Bearer"/>.</summary>
    public MetricsAccess Metrics { get; set; } = MetricsAccess.Open;

    /// <summary>Telemetry samples a job may post per second (a burst of twice as many is let through).</summary>
    public int TelemetryPerSecond { get; set; } = 20;

    /// <summary>The organisation's identity provider; absent: API and job tokens only.</summary>
    public OidcOptions? Oidc { get; set; }
}

internal enum MetricsAccess
{
    Open,
    Bearer,
}

/// <summary>
/// JWT bearer tokens (and the dashboard's sign-in redirect when <see cref="ClientId"/> is set) from an OIDC provider:
/// signatures checked against its JWKS, issuer and audience required; the user is <see cref="UserClaim"/>, and each group
/// in <see cref="GroupsClaim"/> maps to a team role through <see cref="GroupTeams"/> or to cluster admin through <see cref="AdminGroups"/>.
/// </summary>
internal sealed class OidcOptions
{
    /// <summary>The issuer's base URL; its discovery document names the JWKS. Leave empty and set <see cref="Issuer"/> and <see cref="JwksUri"/> instead.</summary>
    public string? Authority { get; set; }

    public string? Issuer { get; set; }

    public string? Audience { get; set; }

    /// <summary>Where the signing keys are when there is no discovery document.</summary>
    public string? JwksUri { get; set; }

    public bool RequireHttpsMetadata { get; set; } = true;

    public string UserClaim { get; set; } = "preferred_username";

    public string GroupsClaim { get; set; } = "groups";

    /// <summary>Group → <c>team:role</c> (role Viewer, Member or Admin), e.g. <c>"ml-research": "research:Member"</c>.</summary>
    public Dictionary<string, string> GroupTeams { get; set; } = new(StringComparer.Ordinal);

    public List<string> AdminGroups { get; set; } = [];

    /// <summary>The dashboard's OIDC client (authorization code flow); without it <c>/ui</c> offers the token form only.</summary>
    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>
    /// The public client (no secret) <c>gpusched login</c> uses for the device authorization grant (RFC 8628); offered
    /// to clients by <c>GET /api/v1/auth/config</c>. Without it (or without <see cref="Authority"/>) the CLI logs in with API tokens only.
    /// </summary>
    public string? CliClientId { get; set; }

    /// <summary>The scopes the CLI asks for; default <c>openid profile offline_access</c> (offline_access: a refresh token).</summary>
    public string[]? CliScopes { get; set; }

    public bool Enabled => !string.IsNullOrEmpty(Authority) || !string.IsNullOrEmpty(JwksUri);
}
