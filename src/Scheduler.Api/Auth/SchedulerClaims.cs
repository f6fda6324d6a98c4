using System.Globalization;
using System.Security.Claims;
using Scheduler.Application.Identity;
using Scheduler.Domain.Identity;

namespace Scheduler.Api.Auth;

/// <summary>
/// The claims every way in produces, so that authorization reads one shape: the user's name, the cluster-admin flag and
/// one <see cref="TeamRole"/> claim per team (<c>team=Role</c>); a job token's principal has only <see cref="Job"/> (<c>id/attempt</c>).
/// </summary>
internal static class SchedulerClaims
{
    public const string User = "scheduler/user";
    public const string ClusterAdmin = "scheduler/cluster-admin";
    public const string TeamRole = "scheduler/team";
    public const string Job = "scheduler/job";
    public const string ApiToken = "scheduler/api-token";

    public static ClaimsIdentity ForUser(UserIdentity user, string authenticationType, IEnumerable<Claim>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(user);
        var claims = new List<Claim> { new(User, user.Name), new(ClaimTypes.Name, user.Name) };
        if (user.ClusterAdmin)
        {
            claims.Add(new Claim(ClusterAdmin, "true"));
        }

        claims.AddRange(user.Teams.Select(t => new Claim(TeamRole, $"{t.Team}={t.Role}")));
        claims.AddRange(extra ?? []);
        return new ClaimsIdentity(claims, authenticationType, ClaimTypes.Name, ClaimTypes.Role);
    }

    public static ClaimsIdentity ForJob(JobTokenClaims job, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new ClaimsIdentity([new Claim(Job, $"{job.JobId:D}/{job.Attempt.ToString(CultureInfo.InvariantCulture)}")], authenticationType);
    }

    public static string? UserName(this ClaimsPrincipal principal) => principal.FindFirst(User)?.Value;

    public static bool IsClusterAdmin(this ClaimsPrincipal principal) => principal.HasClaim(c => c.Type == ClusterAdmin);

    /// <summary>The principal's role in <paramref name="team"/>, or null when not a member.</summary>
    public static TeamRole? RoleIn(this ClaimsPrincipal principal, string team)
    {
        TeamRole? best = null;
        foreach (var claim in principal.FindAll(TeamRole))
        {
            var separator = claim.Value.LastIndexOf('=');
            if (separator > 0 && claim.Value.AsSpan(0, separator).SequenceEqual(team) && Enum.TryParse<TeamRole>(claim.Value[(separator + 1)..], out var role) && (best is null || role > best))
            {
                best = role;
            }
        }

        return best;
    }

    /// <summary>The teams the principal belongs to (any role).</summary>
    public static IReadOnlyList<string> Teams(this ClaimsPrincipal principal) =>
        [.. principal.FindAll(TeamRole).Select(c => c.Value[..Math.Max(0, c.Value.LastIndexOf('='))]).Where(t => t.Length > 0).Distinct(StringComparer.Ordinal)];

    public static IReadOnlyList<TeamGrant> TeamGrants(this ClaimsPrincipal principal) =>
        [.. principal.Teams().Select(t => new TeamGrant(t, principal.RoleIn(t)!.Value))];

    /// <summary>The job attempt a job token speaks for.</summary>
    public static (Guid JobId, int Attempt)? JobAttempt(this ClaimsPrincipal principal)
    {
        var value = principal.FindFirst(Job)?.Value;
        var slash = value?.IndexOf('/') ?? -1;
        return slash > 0 && Guid.TryParse(value.AsSpan(0, slash), out var id) && int.TryParse(value.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var attempt)
            ? (id, attempt)
            : null;
    }
}
