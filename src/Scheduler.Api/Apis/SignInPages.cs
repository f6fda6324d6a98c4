using System.Net;
using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Scheduler.Api.Auth;
using Scheduler.Application.Identity;

namespace Scheduler.Api.Apis;

/// <summary>
/// The dashboard's sign-in: a form that takes an API token (and a button to the identity provider when OIDC is configured)
/// and opens a cookie session; the session's own facts for the page header; sign-out. Forms carry antiforgery tokens.
/// </summary>
internal static class SignInPages
{
    public const string SignInPath = "/ui/sign-in";

    public static IEndpointRouteBuilder MapSignInPages(this IEndpointRouteBuilder app)
    {
        app.MapGet(SignInPath, SignInForm).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(SignInPath, SignInAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        app.MapGet(SignInPath + "/oidc", SignInWithProvider).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/ui/session", Session).RequireAuthorization(Permissions.Read).ExcludeFromDescription();
        app.MapPost("/ui/sign-out", SignOutAsync).RequireAuthorization(Permissions.Read).DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    internal static ContentHttpResult SignInForm(HttpContext context, IAntiforgery antiforgery, IOptions<AuthOptions> options, string? error)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var message = error switch
        {
            null => string.Empty,
            "expired" => "<p class=\"error\" role=\"alert\">Your session ended. Sign in again.</p>",
            _ => "<p class=\"error\" role=\"alert\">That token was not accepted (unknown, expired or revoked).</p>",
        };
        var provider = options.Value.Oidc is { Enabled: true, ClientId: { Length: > 0 } }
            ? $"<p><a class=\"button\" href=\"{SignInPath}/oidc\">Sign in with your organisation</a></p><p>or with an API token:</p>"
            : string.Empty;
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Sign in · GPU scheduler</title>
              <style>
                body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; }
                label, input, button { display: block; width: 100%; margin-top: .5rem; }
                input { padding: .5rem; font-family: monospace; }
                button, .button { padding: .5rem; margin-top: 1rem; }
                .error { color: #b00020; }
              </style>
            </head>
            <body>
              <main>
                <h1>GPU scheduler</h1>
                {{message}}
                {{provider}}
                <form method="post" action="{{SignInPath}}">
                  <input type="hidden" name="{{WebUtility.HtmlEncode(tokens.FormFieldName)}}" value="{{WebUtility.HtmlEncode(tokens.RequestToken)}}">
                  <label for="token">API token</label>
                  <input id="token" name="token" type="password" autocomplete="off" required>
                  <button type="submit">Sign in</button>
                </form>
                <p>An admin creates tokens with <code>POST /api/v1/users/{user}/tokens</code>; <code>make run</code> writes the first one to <code>.data/admin-token</code>.</p>
              </main>
            </body>
            </html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    internal static async Task<IResult> SignInAsync(HttpContext context, IAntiforgery antiforgery, ISender sender)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Redirect(SignInPath + "?error=form");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form["token"].ToString().Trim();
        var result = await sender.Send(new AuthenticateApiToken(token), context.RequestAborted);
        if (result.Identity is null)
        {
            return TypedResults.Redirect(SignInPath + "?error=token");
        }

        var properties = new AuthenticationProperties { IsPersistent = false };
        properties.Items[AuthServices.SessionTokenItem] = token;
        await context.SignInAsync(AuthServices.CookieScheme, new ClaimsPrincipal(SchedulerClaims.ForUser(result.Identity, AuthServices.CookieScheme)), properties);
        return TypedResults.Redirect("/ui/");
    }

    internal static IResult SignInWithProvider(IOptions<AuthOptions> options) =>
        options.Value.Oidc is { Enabled: true, ClientId: { Length: > 0 } }
            ? TypedResults.Challenge(new AuthenticationProperties { RedirectUri = "/ui/" }, [AuthServices.OidcScheme])
            : TypedResults.NotFound();

    /// <summary>Who is signed in, what they may do, and the antiforgery token the page sends with writes.</summary>
    internal static Ok<SessionDetails> Session(HttpContext context, ClaimsPrincipal user, IAntiforgery antiforgery)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new SessionDetails(user.UserName()!, user.IsClusterAdmin(), user.TeamGrants(), tokens.HeaderName ?? AuthServices.AntiforgeryHeader, tokens.RequestToken ?? string.Empty));
    }

    internal static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid.",
                detail: $"{AuthServices.AntiforgeryHeader} must carry the antiforgery token of /ui/session");
        }

        await context.SignOutAsync(AuthServices.CookieScheme);
        return TypedResults.Redirect(SignInPath);
    }

    internal sealed record SessionDetails(string User, bool ClusterAdmin, IReadOnlyList<TeamGrant> Teams, string AntiforgeryHeader, string AntiforgeryToken);
}
