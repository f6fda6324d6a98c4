using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Scheduler.Api.Http;

namespace Scheduler.Api.Auth;

/// <summary>
/// An endpoint's policy refused an authenticated caller: 403 problem+json whose <c>permission</c> names the policy (the
/// permission) it lacked, instead of the framework's empty 403. Challenges (no identity) go to the scheme: 401.
/// </summary>
internal sealed class ForbiddenProblemHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizeResult);
        if (authorizeResult.Forbidden && context.User.Identity?.IsAuthenticated == true && (!IsPage(context) || BearerTokenHandler.BearerToken(context.Request) is not null))
        {
            var permission = context.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).LastOrDefault(p => p is not null)
                ?? authorizeResult.AuthorizationFailure?.FailedRequirements.OfType<ClaimsAuthorizationRequirement>().Select(r => r.ClaimType).FirstOrDefault()
                ?? "unknown";
            var who = context.User.UserName() is { } user ? $"user '{user}'" : "a job token";
            await Problems.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden.", $"{who} lacks the permission '{permission}'", permission);
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }

    // The dashboard's pages, asked for with the session cookie, are answered by the cookie scheme (a redirect), not with JSON.
    private static bool IsPage(HttpContext context) => context.Request.Path.StartsWithSegments("/ui", StringComparison.Ordinal);
}
