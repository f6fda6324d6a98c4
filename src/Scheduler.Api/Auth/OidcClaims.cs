using System.Security.Claims;
using Scheduler.Application.Identity;
using Scheduler.Domain.Identity;

namespace Scheduler.Api.Auth;

/// <summary>An identity provider's token (JWT bearer or the dashboard's OIDC sign-in) as the scheduler's claims: the user claim, groups mapped to teams by configuration.</summary>
internal static class OidcClaims
{
    public static ClaimsIdentity? Map(ClaimsPrincipal? principal, OidcOptions oidc, string authenticationType)
    {
        ArgumentNullException.ThrowIfNull(oidc);
        if (principal?.FindFirst(oidc.UserClaim)?.Value is not { Length: > 0 } user)
        {
            return null;
        }

        var groups = principal.FindAll(oidc.GroupsClaim).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        var admin = oidc.AdminGroups.Any(groups.Contains);
        var teams = new List<TeamGrant>();
        foreach (var (group, grant) in oidc.GroupTeams)
        {
            var separator = grant.LastIndexOf(':');
            if (groups.Contains(group) && separator > 0 && Enum.TryParse<TeamRole>(grant[(separator + 1)..], ignoreCase: true, out var role))
            {
                teams.Add(new TeamGrant(grant[..separator], role));
            }
        }

        return SchedulerClaims.ForUser(new UserIdentity(user, admin, teams), authenticationType);
    }
}
