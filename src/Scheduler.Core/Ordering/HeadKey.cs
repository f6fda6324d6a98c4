namespace Scheduler.Core.Ordering;

/// <summary>Heap key of a queue's head: priority (higher first), then fair-share key with aging (lower first), then age, then id.</summary>
internal readonly record struct HeadKey(int Priority, double Share, long CreatedTicks, string Id);

internal sealed class HeadKeyComparer : IComparer<HeadKey>
{
    public static HeadKeyComparer Instance { get; } = new();

    public int Compare(HeadKey x, HeadKey y)
    {
        var c = y.Priority.CompareTo(x.Priority);
        if (c != 0)
        {
            return c;
        }

        c = x.Share.CompareTo(y.Share);
        if (c != 0)
        {
            return c;
        }

        c = x.CreatedTicks.CompareTo(y.CreatedTicks);
        return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
    }
}
