namespace Scheduler.Core.Decisions;

/// <summary>The decisions of one cycle, one or two per pending job (a preemptor gets its <see cref="Preempt"/>s and a <see cref="Pending"/>).</summary>
public sealed record CycleResult(IReadOnlyList<Decision> Decisions)
{
    public IEnumerable<Place> Placements => Decisions.OfType<Place>();

    public IEnumerable<Preempt> Preemptions => Decisions.OfType<Preempt>();

    public IEnumerable<Reserve> Reservations => Decisions.OfType<Reserve>();

    public IEnumerable<Pending> PendingJobs => Decisions.OfType<Pending>();
}
