namespace Scheduler.Domain.Identity;

/// <summary>
/// A member's role in a team, each including the one before: <see cref="Viewer"/> reads, <see cref="Member"/> submits to
/// the team's queues and holds, releases and cancels its jobs, <see cref="Admin"/> manages its members and its queues'
/// settings other than quota and budget (docs/security.md).
/// </summary>
public enum TeamRole
{
    Viewer,
    Member,
    Admin,
}
