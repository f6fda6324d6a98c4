using k8s.Models;
using Scheduler.Domain.Jobs;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Cycle;

/// <summary>What the orphan guard let through, and what it kept.</summary>
/// <param name="Withheld">Pods of jobs the database has no row for that were kept because there were more than the limit.</param>
/// <param name="Foreign">Pods and Services of another installation, never deleted.</param>
public sealed record GuardedOrphans(IReadOnlyList<ReconcileAction> Actions, int Withheld, int Foreign);

/// <summary>
/// Pure: stands between the orphan collection (<see cref="OrphanFinder"/>) and the API calls, so that a wrong or restored
/// database cannot delete the cluster's running work:
/// <list type="bullet">
/// <item>objects stamped with another installation's id (<see cref="WorkloadLabels.Installation"/>) are never deleted: they are
/// another control plane's, or ours on a database we are not connected to;</item>
/// <item>pods of jobs the database has no row for at all (not merely ended) are deleted only while there are at most
/// <paramref name="maxUnknownPodDeletions"/> of them in one pass; above that nothing of them is deleted (nor their Services),
/// and the caller logs it and counts them in <c>scheduler_orphan_deletions_withheld_total</c>. Pods of jobs that ended are
/// collected as before.</item>
/// </list>
/// </summary>
public sealed class OrphanGuard(int maxUnknownPodDeletions)
{
    public const int DefaultMaxUnknownPodDeletions = 10;

    /// <param name="actions">The orphan collection's actions.</param>
    /// <param name="pods">The pods we own (the watched inventory).</param>
    /// <param name="services">Our Services when this cycle listed them.</param>
    /// <param name="known">Jobs the database has a row for (active ones included).</param>
    /// <param name="installation">This database's installation id; null when unknown (then every stamped object is foreign).</param>
    public GuardedOrphans Filter(
        IReadOnlyList<ReconcileAction> actions, IReadOnlyList<V1Pod> pods, IReadOnlyList<V1Service>? services, IReadOnlySet<JobId> known, Guid? installation)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(known);
        var podsByName = pods.GroupBy(p => (p.Namespace(), p.Name())).ToDictionary(g => g.Key, g => g.First());
        var servicesByName = (services ?? []).GroupBy(s => (s.Namespace(), s.Name())).ToDictionary(g => g.Key, g => g.First());
        var foreign = 0;
        var kept = new List<ReconcileAction>();
        foreach (var action in actions)
        {
            switch (action)
            {
                case DeleteStrayPods stray:
                    var ours = stray.PodNames
                        .Where(n => !(podsByName.TryGetValue((stray.Namespace, n), out var pod) && WorkloadLabels.IsForeign(pod.Metadata, installation)))
                        .ToList();
                    foreign += stray.PodNames.Count - ours.Count;
                    if (ours.Count > 0)
                    {
                        kept.Add(stray with { PodNames = ours });
                    }

                    break;
                case DeleteJobService service when servicesByName.TryGetValue((service.Namespace, service.ServiceName), out var svc)
                                                   && WorkloadLabels.IsForeign(svc.Metadata, installation):
                    foreign++;
                    break;
                default:
                    kept.Add(action);
                    break;
            }
        }

        var unknown = kept.OfType<DeleteStrayPods>().Where(s => !known.Contains(s.JobId)).Sum(s => s.PodNames.Count);
        if (unknown <= maxUnknownPodDeletions)
        {
            return new GuardedOrphans(kept, 0, foreign);
        }

        return new GuardedOrphans(kept.Where(a => a is not (DeleteStrayPods or DeleteJobService) || known.Contains(a.JobId)).ToList(), unknown, foreign);
    }
}
