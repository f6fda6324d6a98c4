using Scheduler.Domain.Identity;

namespace Scheduler.Application.Identity;

/// <summary>A user's role in one team.</summary>
public sealed record TeamGrant(string Team, TeamRole Role);

/// <summary>Who a request acts as: the user, whether a cluster admin, and their teams with roles.</summary>
public sealed record UserIdentity(string Name, bool ClusterAdmin, IReadOnlyList<TeamGrant> Teams);

/// <summary>The rules for user and team names, shared by every use case that takes them.</summary>
public static class IdentityNames
{
    public const string UserRule = "must be 1 to 256 characters: letters, digits and . _ @ : + - (starting with a letter or digit)";

    public static bool IsUserName(string? name) =>
        name is { Length: > 0 and <= Persistence.Identity.User.MaxNameLength }
        && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or ':' or '+' or '-');
}
