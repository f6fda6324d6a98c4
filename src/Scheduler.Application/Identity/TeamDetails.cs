using Scheduler.Domain.Identity;

namespace Scheduler.Application.Identity;

/// <summary>A team member as the API shows it.</summary>
public sealed record TeamMemberDetails(string User, TeamRole Role);

/// <summary>A team with its members (by name) and the queues it owns.</summary>
public sealed record TeamDetails(string Name, DateTimeOffset CreatedAt, IReadOnlyList<TeamMemberDetails> Members, IReadOnlyList<string> Queues);
