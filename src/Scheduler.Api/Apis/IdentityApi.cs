using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Http.HttpResults;
using Scheduler.Api.Auth;
using Scheduler.Api.Http;
using Scheduler.Application.Identity;
using Scheduler.Domain.Identity;

namespace Scheduler.Api.Apis;

/// <summary>Who am I, teams and their members, users, API tokens and the audit log (docs/security.md).</summary>
public static class IdentityApi
{
    public static IEndpointRouteBuilder MapIdentityApiV1(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup("api/v1").WithTags("Identity");
        api.MapGet("/me", GetMe).WithName("GetMe").RequireAuthorization(Permissions.Read)
            .WithSummary("The signed-in user: name, cluster admin or not, teams with roles");
        api.MapGet("/teams", ListTeamsAsync).WithName("ListTeams").RequireAuthorization(Permissions.Read).WithSummary("Every team with its members and queues");
        api.MapGet("/teams/{team}", GetTeamAsync).WithName("GetTeam").RequireAuthorization(Permissions.Read).WithSummary("A team with its members and queues");
        api.MapPut("/teams/{team}", PutTeamAsync).WithName("PutTeam").RequireAuthorization(Permissions.ClusterAdmin).WithSummary("Create a team (idempotent)");
        api.MapPut("/teams/{team}/members/{user}", PutMemberAsync).WithName("PutTeamMember").RequireAuthorization(Permissions.ManageTeam)
            .WithSummary("Add a member or change their role (body {\"role\": \"Viewer\" | \"Member\" | \"Admin\"}): the team's admins or a cluster admin");
        api.MapDelete("/teams/{team}/members/{user}", RemoveMemberAsync).WithName("RemoveTeamMember").RequireAuthorization(Permissions.ManageTeam)
            .WithSummary("Remove a member: the team's admins or a cluster admin");
        api.MapPut("/users/{user}", PutUserAsync).WithName("PutUser").RequireAuthorization(Permissions.ClusterAdmin)
            .WithSummary("Create a user or set whether they are a cluster admin (body {\"clusterAdmin\": true})");
        api.MapGet("/users/{user}/tokens", ListTokensAsync).WithName("ListApiTokens").RequireAuthorization(Permissions.ManageTokens)
            .WithSummary("A user's API tokens (never the tokens themselves): one's own, or anyone's for a cluster admin");
        api.MapPost("/users/{user}/tokens", CreateTokenAsync).WithName("CreateApiToken").RequireAuthorization(Permissions.ManageTokens)
            .WithSummary("Create an API token (body {\"label\": \"ci\", \"lifetime\": \"30.00:00:00\"}); the answer shows the token this once");
        api.MapDelete("/users/{user}/tokens/{tokenId}", RevokeTokenAsync).WithName("RevokeApiToken").RequireAuthorization(Permissions.ManageTokens)
            .WithSummary("Revoke a token; the next request with it is refused");
        api.MapGet("/audit", ListAuditAsync).WithName("ListAudit").RequireAuthorization(Permissions.ClusterAdmin)
            .WithSummary("Administrative actions (quota, budget, membership, tokens), newest first; page with ?before=<last id>");
        return app;
    }

    public sealed record MemberBody(TeamRole? Role);

    public sealed record UserBody(bool? ClusterAdmin);

    public sealed record TokenBody(string? Label, TimeSpan? Lifetime);

    internal static Ok<UserDetails> GetMe(ClaimsPrincipal user) =>
        TypedResults.Ok(new UserDetails(user.UserName()!, user.IsClusterAdmin(), user.TeamGrants()));

    internal static async Task<Ok<IReadOnlyList<TeamDetails>>> ListTeamsAsync(ISender sender, CancellationToken cancellationToken) =>
        TypedResults.Ok(await sender.Send(new ListTeams(), cancellationToken));

    internal static async Task<Results<Ok<TeamDetails>, ProblemHttpResult>> GetTeamAsync(string team, ISender sender, CancellationToken cancellationToken) =>
        (await sender.Send(new GetTeam(team), cancellationToken)).ToOkOrProblem();

    internal static async Task<Results<Created<TeamDetails>, Ok<TeamDetails>, ProblemHttpResult>> PutTeamAsync(
        string team, ClaimsPrincipal user, ISender sender, CancellationToken cancellationToken)
    {
        var result = await sender.Send(new PutTeam(team, user.UserName()), cancellationToken);
        return !result.IsSuccess ? result.Failure.ToProblem()
            : result.Value.Created ? TypedResults.Created($"/api/v1/teams/{team}", result.Value.Team)
            : TypedResults.Ok(result.Value.Team);
    }

    internal static async Task<Results<Ok<TeamDetails>, ProblemHttpResult>> PutMemberAsync(
        string team, string user, MemberBody body, ClaimsPrincipal principal, Access access, ISender sender, CancellationToken cancellationToken)
    {
        if (await access.RequireAsync(principal, new TeamResource(team), Permissions.ManageTeamMembers, $"team '{team}'") is { } forbidden)
        {
            return forbidden;
        }

        return body?.Role is not { } role
            ? Problems.Invalid("role", "is required: Viewer, Member or Admin")
            : (await sender.Send(new PutTeamMember(team, user, role, principal.UserName()), cancellationToken)).ToOkOrProblem();
    }

    internal static async Task<Results<Ok<TeamDetails>, ProblemHttpResult>> RemoveMemberAsync(
        string team, string user, ClaimsPrincipal principal, Access access, ISender sender, CancellationToken cancellationToken) =>
        await access.RequireAsync(principal, new TeamResource(team), Permissions.ManageTeamMembers, $"team '{team}'") is { } forbidden
            ? forbidden
            : (await sender.Send(new RemoveTeamMember(team, user, principal.UserName()), cancellationToken)).ToOkOrProblem();

    internal static async Task<Results<Ok<UserDetails>, ProblemHttpResult>> PutUserAsync(
        string user, UserBody body, ClaimsPrincipal principal, ISender sender, CancellationToken cancellationToken) =>
        body?.ClusterAdmin is not { } admin
            ? Problems.Invalid("clusterAdmin", "is required: true or false")
            : (await sender.Send(new PutUser(user, admin, principal.UserName()), cancellationToken)).ToOkOrProblem();

    internal static async Task<Results<Ok<IReadOnlyList<ApiTokenDetails>>, ProblemHttpResult>> ListTokensAsync(
        string user, ClaimsPrincipal principal, Access access, ISender sender, CancellationToken cancellationToken) =>
        await access.RequireOwnerAsync(principal, user) is { } forbidden
            ? forbidden
            : TypedResults.Ok(await sender.Send(new ListApiTokens(user), cancellationToken));

    internal static async Task<Results<Created<CreatedApiToken>, ProblemHttpResult>> CreateTokenAsync(
        string user, TokenBody body, ClaimsPrincipal principal, Access access, ISender sender, CancellationToken cancellationToken)
    {
        if (await access.RequireOwnerAsync(principal, user) is { } forbidden)
        {
            return forbidden;
        }

        var result = await sender.Send(new CreateApiToken(user, body?.Label ?? string.Empty, body?.Lifetime, principal.UserName()), cancellationToken);
        return result.IsSuccess
            ? TypedResults.Created($"/api/v1/users/{user}/tokens/{result.Value.Details.Id}", result.Value)
            : result.Failure.ToProblem();
    }

    internal static async Task<Results<Ok<ApiTokenDetails>, ProblemHttpResult>> RevokeTokenAsync(
        string user, string tokenId, ClaimsPrincipal principal, Access access, ISender sender, CancellationToken cancellationToken)
    {
        if (await access.RequireOwnerAsync(principal, user) is { } forbidden)
        {
            return forbidden;
        }

        return Guid.TryParse(tokenId, out var id)
            ? (await sender.Send(new RevokeApiToken(user, id, principal.UserName()), cancellationToken)).ToOkOrProblem()
            : Problems.Invalid("tokenId", "must be a token id (a UUID)");
    }

    internal static async Task<Results<Ok<AuditPage>, ProblemHttpResult>> ListAuditAsync(
        string? limit, string? before, ISender sender, CancellationToken cancellationToken)
    {
        var count = ListAudit.DefaultLimit;
        if (limit is not null && !int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out count))
        {
            return Problems.Invalid("limit", $"must be a whole number between 1 and {ListAudit.MaxLimit}");
        }

        long? beforeId = null;
        if (before is not null)
        {
            if (!long.TryParse(before, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed))
            {
                return Problems.Invalid("before", "must be the nextBefore of a previous page");
            }

            beforeId = parsed;
        }

        return TypedResults.Ok(await sender.Send(new ListAudit(count, beforeId), cancellationToken));
    }
}
