using Duende.IdentityModel.Client;
using Scheduler.Cli.Config;

namespace Scheduler.Cli.Auth;

/// <summary>
/// The organisation's OIDC provider as gpusched uses it, through Duende.IdentityModel: its discovery document, the OAuth 2.0
/// Device Authorization Grant (RFC 8628) for <c>login</c>, and the refresh token grant when an access token has expired.
/// gpusched is a public client: it sends its client id and no secret.
/// </summary>
internal sealed class IdentityProvider(CliContext context, HttpClient http, string authority, string clientId) : IDisposable
{
    /// <summary>RFC 8628 §3.5: each <c>slow_down</c> adds 5 seconds to the polling interval, for the rest of the flow.</summary>
    public static readonly TimeSpan SlowDownStep = TimeSpan.FromSeconds(5);

    public static IdentityProvider Create(CliContext context, string authority, string clientId)
    {
        // Not the control plane's handler: the provider is another server (tests serve it on a loopback port).
        var http = new HttpClient(context.IdentityHandler?.Invoke() ?? new HttpClientHandler()) { Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.UserAgent.Add(new System.Net.Http.Headers.ProductInfoHeaderValue("gpusched", "1"));
        return new IdentityProvider(context, http, authority, clientId);
    }

    /// <summary>
    /// Asks for a device code, tells the user where to approve it (on stderr, so that stdout stays the result), and polls
    /// the token endpoint until the user approves (the session), denies (<c>access_denied</c>) or the code expires.
    /// </summary>
    public async Task<OidcSession> DeviceLoginAsync(IReadOnlyList<string> scopes, CancellationToken cancellationToken)
    {
        var discovery = await DiscoverAsync(cancellationToken);
        if (string.IsNullOrEmpty(discovery.DeviceAuthorizationEndpoint))
        {
            throw new CliException(ExitCodes.Refused, $"the identity provider {authority} offers no device authorization endpoint; log in with --token-file");
        }

        var scope = string.Join(' ', scopes);
        var device = await http.RequestDeviceAuthorizationAsync(new DeviceAuthorizationRequest
        {
            Address = discovery.DeviceAuthorizationEndpoint,
            ClientId = clientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            Scope = scope,
        }, cancellationToken);
        if (device.IsError)
        {
            throw Failure("the device authorization request", device.ErrorType, device.Error, device.ErrorDescription);
        }

        var started = context.Clock.GetUtcNow();
        var expires = device.ExpiresIn is > 0 and var seconds ? started.AddSeconds(seconds) : (DateTimeOffset?)null;
        var prompt = context.Error;
        if (!string.IsNullOrEmpty(device.VerificationUriComplete))
        {
            prompt.WriteLine($"To sign in, open {device.VerificationUriComplete}");
            prompt.WriteLine($"or go to {device.VerificationUri} and enter the code {device.UserCode}");
        }
        else
        {
            prompt.WriteLine($"To sign in, go to {device.VerificationUri} and enter the code {device.UserCode}");
        }

        prompt.WriteLine(expires is null ? "Waiting for the sign-in (Ctrl+C stops)..." : $"Waiting for the sign-in (the code expires at {expires:HH:mm:ss} UTC; Ctrl+C stops)...");

        var interval = TimeSpan.FromSeconds(Math.Max(1, device.Interval));
        while (true)
        {
            await Task.Delay(interval, context.Clock, cancellationToken);
            var token = await http.RequestDeviceTokenAsync(new DeviceTokenRequest
            {
                Address = discovery.TokenEndpoint,
                ClientId = clientId,
                ClientCredentialStyle = ClientCredentialStyle.PostBody,
                DeviceCode = device.DeviceCode!,
            }, cancellationToken);
            if (!token.IsError)
            {
                return Session(token, scope, context.Clock.GetUtcNow());
            }

            switch (token.Error)
            {
                case "authorization_pending" when expires is null || context.Clock.GetUtcNow() < expires:
                    continue;
                case "slow_down" when expires is null || context.Clock.GetUtcNow() < expires:
                    interval += SlowDownStep;
                    continue;
                case "access_denied":
                    throw new CliException(ExitCodes.Refused, $"the sign-in was denied at {authority} (access_denied); nothing was stored");
                case "expired_token" or "authorization_pending" or "slow_down":
                    throw new CliException(ExitCodes.Refused, $"the code {device.UserCode} expired before the sign-in was approved (expired_token); run gpusched login again");
                default:
                    throw Failure("the token request", token.ErrorType, token.Error, token.ErrorDescription);
            }
        }
    }

    /// <summary>A new access token for <paramref name="session"/>'s refresh token (the provider may rotate the refresh token too).</summary>
    public async Task<OidcSession> RefreshAsync(OidcSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (session.RefreshToken is not { Length: > 0 } refreshToken)
        {
            throw new CliException(ExitCodes.Refused, $"the access token from {authority} has expired and there is no refresh token; run gpusched login again");
        }

        var discovery = await DiscoverAsync(cancellationToken);
        var token = await http.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = discovery.TokenEndpoint,
            ClientId = clientId,
            ClientCredentialStyle = ClientCredentialStyle.PostBody,
            RefreshToken = refreshToken,
        }, cancellationToken);
        if (token.IsError)
        {
            throw token.ErrorType == ResponseErrorType.Protocol
                ? new CliException(ExitCodes.Refused, $"the sign-in at {authority} has ended ({token.Error}{(string.IsNullOrEmpty(token.ErrorDescription) ? string.Empty : ": " + token.ErrorDescription)}); run gpusched login again")
                : Failure("the refresh token request", token.ErrorType, token.Error, token.ErrorDescription);
        }

        var renewed = Session(token, session.Scope, context.Clock.GetUtcNow());
        // A provider that does not rotate refresh tokens answers none: the old one stays good.
        return renewed.RefreshToken is null ? renewed with { RefreshToken = refreshToken } : renewed;
    }

    private async Task<DiscoveryDocumentResponse> DiscoverAsync(CancellationToken cancellationToken)
    {
        // The default policy: https, except on a loopback address; the issuer must be the authority; endpoints under it.
        var discovery = await http.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest { Address = authority }, cancellationToken);
        return discovery.IsError
            ? throw Failure($"the discovery document of {authority}", discovery.ErrorType, discovery.Error, null)
            : discovery;
    }

    private OidcSession Session(TokenResponse token, string? scope, DateTimeOffset now) => new(
        authority,
        clientId,
        token.AccessToken ?? throw new CliException(ExitCodes.Refused, $"the identity provider {authority} answered without an access token"),
        token.ExpiresIn > 0 ? now.AddSeconds(token.ExpiresIn) : null,
        token.RefreshToken,
        scope);

    private CliException Failure(string what, ResponseErrorType type, string? error, string? description) => type switch
    {
        ResponseErrorType.Exception => new CliException(ExitCodes.Unreachable, $"cannot reach the identity provider {authority} for {what}: {error}"),
        ResponseErrorType.Http when error is null => new CliException(ExitCodes.Unreachable, $"{what} at {authority} failed"),
        _ => new CliException(ExitCodes.Refused, $"{what} at {authority} was refused: {error}{(string.IsNullOrEmpty(description) ? string.Empty : " (" + description + ")")}"),
    };

    public void Dispose() => http.Dispose();
}
