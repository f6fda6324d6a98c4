using Microsoft.AspNetCore.Authorization;
using Scheduler.Domain.Identity;

namespace Scheduler.Api.Auth;

/// <summary>
/// The permissions endpoints declare (each is also an authorization policy of that name) and the requirement of each
/// resource-based check. The table of who holds what is in docs/security.md.
/// </summary>
internal static class Permissions
{
    /// <summary>Read queues, jobs, estimates, the dashboard: any signed-in user (not a job token).</summary>
    public const string Read = "read";

    /// <summary>Submit to a team's queue: its members and admins.</summary>
    public const string SubmitJobs = "jobs:submit";

    /// <summary>Cancel (hold, release) a team's job: its members and admins.</summary>
    public const string ManageJobs = "jobs:manage";

    /// <summary>Change a team queue's settings other than quota and budget: the team's admins.</summary>
    public const string ManageQueue = "queues:manage";

    /// <summary>Create queues, change quota, limits and budgets: cluster admins.</summary>
    public const string ManageQuota = "queues:quota";

    /// <summary>Add and remove a team's members: the team's admins.</summary>
    public const string ManageTeam = "teams:manage";

    /// <summary>Create, list and revoke API tokens: one's own; a cluster admin anyone's.</summary>
    public const string ManageTokens = "tokens:manage";

    /// <summary>Teams, users, queue ownership, calibration, the audit log: cluster admins.</summary>
    public const string ClusterAdmin = "cluster:admin";

    /// <summary>Post telemetry: the job's own token, for its attempt.</summary>
    public const string PostTelemetry = "jobs:telemetry";

    /// <summary>Scrape <c>/metrics</c> when it is bearer-protected.</summary>
    public const string Metrics = "metrics:read";

    public static readonly TeamPermission ReadTeam = new(Read, TeamRole.Viewer);
    public static readonly TeamPermission SubmitToTeam = new(SubmitJobs, TeamRole.Member);
    public static readonly TeamPermission ManageTeamJobs = new(ManageJobs, TeamRole.Member);
    public static readonly TeamPermission ManageTeamQueue = new(ManageQueue, TeamRole.Admin);
    public static readonly TeamPermission ManageTeamMembers = new(ManageTeam, TeamRole.Admin);
    public static readonly OwnerPermission ManageOwnTokens = new(ManageTokens);
}

/// <summary>A permission on a team's resources, held by its members of at least <paramref name="MinimumRole"/> and by cluster admins.</summary>
internal sealed record TeamPermission(string Name, TeamRole MinimumRole) : IAuthorizationRequirement;

/// <summary>A permission on a user's own things (their tokens), held by that user and by cluster admins.</summary>
internal sealed record OwnerPermission(string Name) : IAuthorizationRequirement;

/// <summary>The team that owns a queue or job; null: the cluster admins' (a queue no team owns yet).</summary>
internal sealed record TeamResource(string? Team);

/// <summary>A user, as the owner of tokens.</summary>
internal sealed record UserResource(string Name);
