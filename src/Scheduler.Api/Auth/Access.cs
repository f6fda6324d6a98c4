using System.Security.Claims;
using Mediator;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Scheduler.Api.Http;
using Scheduler.Application.Identity;

namespace Scheduler.Api.Auth;

/// <summary>
/// The resource-based checks endpoints make after their policy let the caller in: whose is this queue or job, and does the
/// caller hold the permission on that team (<see cref="IAuthorizationService"/> with <see cref="TeamPermissionHandler"/>).
/// Each answers null when allowed, else the problem to return (403 naming the permission; 404 where private mode hides the job).
/// </summary>
internal sealed class Access(IAuthorizationService authorization, ISender sender, IOptions<AuthOptions> options)
{
    public bool PrivateMode => options.Value.PrivateMode;

    public async Task<ProblemHttpResult?> RequireAsync(ClaimsPrincipal user, TeamResource resource, TeamPermission permission, string what)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(permission);
        if ((await authorization.AuthorizeAsync(user, resource, permission)).Succeeded)
        {
            return null;
        }

        var owner = resource.Team is { } team ? $"team '{team}'" : "no team (cluster admins only)";
        return Problems.Forbidden(permission.Name, $"user '{user.UserName()}' lacks the permission '{permission.Name}' on {what}, owned by {owner}");
    }

    public async Task<ProblemHttpResult?> RequireOwnerAsync(ClaimsPrincipal user, string owner)
    {
        var permission = Permissions.ManageOwnTokens;
        return (await authorization.AuthorizeAsync(user, new UserResource(owner), permission)).Succeeded
            ? null
            : Problems.Forbidden(permission.Name, $"user '{user.UserName()}' lacks the permission '{permission.Name}' on the tokens of user '{owner}' (their own, or a cluster admin)");
    }

    /// <summary>Submitting to <paramref name="queue"/>; an unknown queue passes (the submission answers that it names no queue).</summary>
    public async Task<ProblemHttpResult?> SubmitAsync(ClaimsPrincipal user, string? queue, CancellationToken cancellationToken)
    {
        if (queue is null || user.IsClusterAdmin() || await sender.Send(new GetQueueOwner(queue), cancellationToken) is not { } owner)
        {
            return null;
        }

        return await RequireAsync(user, new TeamResource(owner.Team), Permissions.SubmitToTeam, $"queue '{queue}'");
    }

    /// <summary>Acting on a job (cancel, hold, release); an unknown job passes (the command answers 404).</summary>
    public async Task<ProblemHttpResult?> ManageJobAsync(ClaimsPrincipal user, Guid jobId, CancellationToken cancellationToken)
    {
        if (user.IsClusterAdmin() || await sender.Send(new GetJobOwner(jobId), cancellationToken) is not { } owner)
        {
            return null;
        }

        return await RequireAsync(user, new TeamResource(owner.Team), Permissions.ManageTeamJobs, $"job {jobId}");
    }

    /// <summary>Reading a job's detail, events or telemetry: anyone signed in, unless private mode hides other teams' jobs (404, as if absent).</summary>
    public async Task<ProblemHttpResult?> ReadJobAsync(ClaimsPrincipal user, Guid jobId, CancellationToken cancellationToken)
    {
        if (!PrivateMode || user.IsClusterAdmin() || await sender.Send(new GetJobOwner(jobId), cancellationToken) is not { } owner)
        {
            return null;
        }

        return owner.Team is { } team && user.RoleIn(team) is not null
            ? null
            : Problems.Create(StatusCodes.Status404NotFound, "Not found.", new Dictionary<string, string[]> { ["id"] = [$"no job has id {jobId}"] });
    }

    /// <summary>The teams whose jobs the user sees in lists: null for all (not private mode, or a cluster admin).</summary>
    public IReadOnlyList<string>? VisibleTeams(ClaimsPrincipal user) => !PrivateMode || user.IsClusterAdmin() ? null : user.Teams();
}
