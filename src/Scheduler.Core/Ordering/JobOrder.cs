using Scheduler.Core.Snapshots;

namespace Scheduler.Core.Ordering;

/// <summary>Order of the jobs inside one queue: priority (higher first), then age (older first), then id, so the order is total.</summary>
internal sealed class JobOrder : IComparer<PendingJob>
{
    public static JobOrder Instance { get; } = new();

    public int Compare(PendingJob? x, PendingJob? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var c = y.Priority.CompareTo(x.Priority);
        if (c != 0)
        {
            return c;
        }

        c = x.CreatedAt.CompareTo(y.CreatedAt);
        return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
    }
}
