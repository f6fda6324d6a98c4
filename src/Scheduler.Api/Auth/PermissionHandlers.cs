using Microsoft.AspNetCore.Authorization;

namespace Scheduler.Api.Auth;

/// <summary>Resource-based checks on team resources: a cluster admin, or a member of the owning team with the role required.</summary>
internal sealed class TeamPermissionHandler : AuthorizationHandler<TeamPermission, TeamResource>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TeamPermission requirement, TeamResource resource)
    {
        if (context.User.IsClusterAdmin()
            || (resource.Team is { } team && context.User.RoleIn(team) is { } role && role >= requirement.MinimumRole))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>A user acts on their own things; a cluster admin on anyone's.</summary>
internal sealed class OwnerPermissionHandler : AuthorizationHandler<OwnerPermission, UserResource>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, OwnerPermission requirement, UserResource resource)
    {
        if (context.User.IsClusterAdmin() || string.Equals(context.User.UserName(), resource.Name, StringComparison.Ordinal))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
