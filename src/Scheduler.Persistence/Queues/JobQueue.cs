using Scheduler.Domain.Queues;

namespace Scheduler.Persistence.Queues;

/// <summary>A team's queue as stored: its name and its validated, normalised spec.</summary>
public sealed class JobQueue
{
    public JobQueue(string name, QueueSpec spec, DateTimeOffset createdAt)
    {
        Name = name;
        Spec = spec;
        CreatedAt = createdAt;
        UpdatedAt = createdAt;
    }

    // For the store's materialiser.
    private JobQueue()
    {
        Name = string.Empty;
        Spec = new QueueSpec();
    }

    public string Name { get; private set; }

    public QueueSpec Spec { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }

    public DateTimeOffset UpdatedAt { get; private set; }

    /// <summary>The team that owns the queue; null for a queue no team owns yet, which only cluster admins use (docs/security.md).</summary>
    public string? Team { get; private set; }

    public void AssignTeam(string? team, DateTimeOffset at)
    {
        Team = team;
        UpdatedAt = at;
    }

    public void Replace(QueueSpec spec, DateTimeOffset at)
    {
        Spec = spec;
        UpdatedAt = at;
    }
}
