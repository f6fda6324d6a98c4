using System.Security.Claims;
using System.Text.Encodings.Web;
using Mediator;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Scheduler.Api.Http;
using Scheduler.Application.Identity;

namespace Scheduler.Api.Auth;

/// <summary>
/// <c>Authorization: Bearer</c> with the scheduler's own tokens: an API token (<c>gst_…</c>, looked up by its SHA-256 on
/// every request, so revocation and membership changes apply to the next one) or a job token (<c>gsj_…</c>, checked by its
/// HMAC). Anything else is left to the other schemes. A challenge is 401 with <c>WWW-Authenticate: Bearer</c> and a
/// problem+json body saying why.
/// </summary>
internal sealed class BearerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ISender sender, JobTokens jobTokens)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Token";
    public const string Realm = "gpu-scheduler";
    private const string RefusalKey = "scheduler.refusal";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (BearerToken(Request) is not { } token)
        {
            return AuthenticateResult.NoResult();
        }

        if (JobTokens.LooksLikeToken(token))
        {
            var job = jobTokens.Validate(token, out var refusal);
            return job is null ? Fail(refusal!) : Success(SchedulerClaims.ForJob(job, SchemeName));
        }

        if (!ApiTokenSecrets.LooksLikeToken(token))
        {
            return Fail("not a token this scheduler issued");
        }

        var result = await sender.Send(new AuthenticateApiToken(token), Context.RequestAborted);
        return result.Identity is null
            ? Fail(result.Refusal!)
            : Success(SchedulerClaims.ForUser(result.Identity, SchemeName, [new Claim(SchedulerClaims.ApiToken, result.TokenId!.Value.ToString())]));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var refusal = Context.Items[RefusalKey] as string;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = refusal is null
            ? $"Bearer realm=\"{Realm}\""
            : $"Bearer realm=\"{Realm}\", error=\"invalid_token\", error_description=\"{refusal}\"";
        await Problems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Authentication required.",
            refusal is null ? "send Authorization: Bearer <token> (an API token, an OIDC access token, or the job's own token)" : $"the bearer token was refused: {refusal}");
    }

    /// <summary>The bearer token of the request, if it sends one.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    private AuthenticateResult Success(ClaimsIdentity identity) =>
        AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));

    private AuthenticateResult Fail(string refusal)
    {
        Context.Items[RefusalKey] = refusal;
        return AuthenticateResult.Fail(refusal);
    }
}
