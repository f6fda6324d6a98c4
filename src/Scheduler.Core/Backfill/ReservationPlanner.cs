using Scheduler.Core.Cycle;
using Scheduler.Core.Placement;

namespace Scheduler.Core.Backfill;

/// <summary>
/// Backfill reservations: for the highest-ranked job that cannot start, the earliest predicted time at which enough running jobs
/// have ended for it to fit, found by bisection over running jobs sorted by predicted end (jobs without a prediction never end
/// for this purpose). The reserved nodes then take only pods predicted to end before that time.
/// </summary>
internal sealed class ReservationPlanner(ClusterState state, GangPlacer gang, IReadOnlyList<RunningState> running)
{
    public Reservation? TryReserve(int pods, PodRequest pod, (int[]? DomainOf, int Count) topology)
    {
        var ending = new List<RunningState>();
        foreach (var r in running)
        {
            if (!r.Victim && r.EndTicks != long.MaxValue && (pod.Gpus == 0 || (r.Type >= 0 && (pod.TypeMask & (1UL << r.Type)) != 0)))
            {
                ending.Add(r);
            }
        }

        if (ending.Count == 0)
        {
            return null;
        }

        ending.Sort(static (a, b) => a.EndTicks.CompareTo(b.EndTicks));
        if (Attempt(ending.Count) is null)
        {
            return null;
        }

        // Smallest k such that the job fits once the first k jobs have ended (fitting only grows with k).
        int lo = 1, hi = ending.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (Attempt(mid) is not null)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        var nodes = Attempt(lo)!;
        var at = ending[lo - 1].EndTicks;
        foreach (var n in nodes)
        {
            state.Reserve(n, at);
        }

        return new Reservation(at, nodes);

        int[]? Attempt(int k)
        {
            var mark = state.Mark();
            for (var i = 0; i < k; i++)
            {
                ending[i].ReleaseFrom(state);
            }

            var placed = gang.TryPlace(pods, pod, topology.DomainOf, topology.Count);
            state.Rollback(mark);
            return placed?.Select(p => p.Node).Distinct().ToArray();
        }
    }
}

internal sealed record Reservation(long AtTicks, int[] Nodes);
