using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Scheduler.Api.Auth;

namespace Scheduler.Api.Apis;

/// <summary>
/// <c>GET /api/v1/auth/config</c>: how a client signs in to this server (docs/security.md#the-command-lines-sign-in).
/// Anonymous on purpose: a client asks before it holds a token, and nothing in the answer is secret (a public client id,
/// the provider's URL, scopes and audience; never <see cref="OidcOptions.ClientSecret"/>).
/// </summary>
public static class AuthConfigApi
{
    /// <summary>What the CLI asks for when the server sets no <c>CliScopes</c>: offline_access brings a refresh token.</summary>
    public static readonly IReadOnlyList<string> DefaultCliScopes = ["openid", "profile", "offline_access"];

    public static IEndpointRouteBuilder MapAuthConfigApiV1(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/api/v1/auth/config", GetConfig).WithName("GetAuthConfig").WithTags("Identity").AllowAnonymous()
            .WithSummary("How clients sign in: API tokens always; the OIDC provider, public client id and scopes for gpusched login's device flow when offered");
        return app;
    }

    /// <summary><paramref name="Oidc"/> is null (left out of the JSON) when the server offers no OIDC sign-in to the command line.</summary>
    public sealed record AuthConfig(bool ApiTokens, OidcClientConfig? Oidc);

    /// <summary>The provider (<paramref name="Authority"/>, whose discovery document names the device and token endpoints) and what to ask it for.</summary>
    public sealed record OidcClientConfig(string Authority, string Issuer, string? Audience, string ClientId, IReadOnlyList<string> Scopes);

    internal static Ok<AuthConfig> GetConfig(IOptions<AuthOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var oidc = options.Value.Oidc;
        // The device flow needs the discovery document (device and token endpoints): an Issuer + JwksUri setup has none.
        var offered = oidc is { Enabled: true, Authority.Length: > 0, CliClientId.Length: > 0 }
            ? new OidcClientConfig(oidc.Authority, oidc.Issuer ?? oidc.Authority, oidc.Audience, oidc.CliClientId,
                oidc.CliScopes is { Length: > 0 } scopes ? scopes : DefaultCliScopes)
            : null;
        return TypedResults.Ok(new AuthConfig(ApiTokens: true, offered));
    }
}
