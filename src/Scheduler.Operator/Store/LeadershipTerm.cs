namespace Scheduler.Operator.Store;

/// <summary>
/// The leader term this replica writes under and the installation id of its database, both from the term it began on its
/// last Lease acquisition (<see cref="IOperatorStore.BeginTermAsync"/>). Kept after leadership is lost on purpose: a replica
/// paused past its lease wakes up with its old term, and PostgreSQL (not this process) refuses its writes.
/// </summary>
public sealed class LeadershipTerm
{
    private long _term;
    private Guid _installation;

    /// <summary>Null until this replica first leads: its writes then carry no term.</summary>
    public long? Term => Interlocked.Read(ref _term) is var term and > 0 ? term : null;

    /// <summary>The id stamped on every pod and Service we create; null until this replica first leads.</summary>
    public Guid? InstallationId => _installation == Guid.Empty ? null : _installation;

    public void Begin(long term, Guid installationId)
    {
        _installation = installationId;
        Interlocked.Exchange(ref _term, term);
    }
}
