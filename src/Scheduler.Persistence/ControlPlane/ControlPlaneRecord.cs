namespace Scheduler.Persistence.ControlPlane;

/// <summary>
/// The one row (id 1) that says which installation this database belongs to and which operator term leads. The first leader
/// creates it with a new installation id, stamped on every pod we create so that an operator on another database never
/// deletes them; each Lease acquisition bumps <see cref="LeaderTerm"/>, and every admission and preemption write checks it in
/// its own transaction, so a leader that was paused past its lease cannot write (fencing).
/// </summary>
public sealed class ControlPlaneRecord
{
    public const int SingletonId = 1;

    public int Id { get; set; } = SingletonId;

    public Guid InstallationId { get; set; }

    public long LeaderTerm { get; set; }

    public string? LeaderIdentity { get; set; }

    public DateTimeOffset? LeaderSince { get; set; }
}
