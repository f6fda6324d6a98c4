namespace Scheduler.Persistence.Identity;

/// <summary>
/// One administrative action: who (<see cref="Actor"/>), what (<see cref="Action"/> on <see cref="Target"/>), when, and the
/// target's state before and after as JSON (null where it did not exist). Written in the same transaction as the change.
/// </summary>
public sealed class AuditEntry
{
    public AuditEntry(string actor, string action, string target, string? before, string? after, DateTimeOffset at)
    {
        Actor = actor;
        Action = action;
        Target = target;
        Before = before;
        After = after;
        At = at;
    }

    public long Id { get; private set; }

    public string Actor { get; private set; }

    public string Action { get; private set; }

    public string Target { get; private set; }

    public string? Before { get; private set; }

    public string? After { get; private set; }

    public DateTimeOffset At { get; private set; }
}
