using Scheduler.Domain.Jobs;
using Scheduler.Operator.Inventory;

namespace Scheduler.Operator.Store;

/// <summary>
/// Stamps each pod of a placement with its node's rack (the inventory's topology labels), so the stored placement says which
/// racks the job spans and admission can reprice its estimate for them (<c>PlacementPricing</c>).
/// </summary>
internal static class PlacementRacks
{
    public static IReadOnlyList<JobPodPlacement> Stamp(IReadOnlyList<JobPodPlacement> placement, ClusterInventory inventory)
    {
        ArgumentNullException.ThrowIfNull(placement);
        ArgumentNullException.ThrowIfNull(inventory);
        if (placement.Count <= 1)
        {
            return placement; // one pod is one node: the estimate stays the spec's
        }

        return [.. placement.Select(p => inventory.RackOf(p.Node) is { } rack ? p with { Rack = rack } : p)];
    }
}
