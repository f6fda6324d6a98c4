namespace Scheduler.Persistence.Identity;

/// <summary>A person (or robot account) the scheduler knows by name; <see cref="ClusterAdmin"/> manages teams, quotas, budgets and tokens.</summary>
public sealed class User
{
    public const int MaxNameLength = 256;

    public User(string name, bool clusterAdmin, DateTimeOffset createdAt)
    {
        Name = name;
        ClusterAdmin = clusterAdmin;
        CreatedAt = createdAt;
    }

    public string Name { get; private set; }

    public bool ClusterAdmin { get; set; }

    public DateTimeOffset CreatedAt { get; private set; }
}
