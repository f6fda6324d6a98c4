using Scheduler.Domain.Identity;

namespace Scheduler.Persistence.Identity;

/// <summary>A user's role in a team (one row per team and user).</summary>
public sealed class TeamMember
{
    public TeamMember(string team, string user, TeamRole role)
    {
        Team = team;
        User = user;
        Role = role;
    }

    public string Team { get; private set; }

    public string User { get; private set; }

    public TeamRole Role { get; set; }
}
