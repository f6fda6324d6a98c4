namespace Scheduler.Persistence.Identity;

/// <summary>A team: it owns queues, and its members act on its jobs by their role.</summary>
public sealed class Team
{
    public Team(string name, DateTimeOffset createdAt)
    {
        Name = name;
        CreatedAt = createdAt;
    }

    public string Name { get; private set; }

    public DateTimeOffset CreatedAt { get; private set; }
}
