using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduler.Admission;
using Scheduler.Admission.Timing;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Scheduling;

/// <summary>
/// Reprices admitted jobs for where their pods went: the stored estimate (<c>job_estimates</c>) becomes the estimate for the
/// placement's interconnect (<see cref="InterconnectPricing"/>: racks spanned, nodes, fewest GPUs on one node), so backfill,
/// the job's predicted end and predicted-versus-measured accounting use the real communication cost. Jobs of one pod are left
/// as submitted: one node is the spec's own packing. Changes are tracked, not saved: the caller saves them with the admission.
/// </summary>
internal static class PlacementPricing
{
    public static async Task RepriceAsync(SchedulerDbContext db, Estimator estimator, IReadOnlyList<Job> admitted, CancellationToken cancellationToken)
    {
        var gangs = admitted.Where(j => j.Placement is { Count: > 1 }).ToDictionary(j => j.Id);
        if (gangs.Count == 0)
        {
            return;
        }

        var ids = gangs.Keys.ToList();
        var records = await db.JobEstimates.Where(e => ids.Contains(e.JobId)).ToListAsync(cancellationToken);
        foreach (var record in records)
        {
            var job = gangs[record.JobId];
            if (JsonSerializer.Deserialize<Estimate>(record.EstimateJson, JobSpecJson.Options) is not { } stored)
            {
                continue;
            }

            var (interconnect, labelled) = InterconnectOf(job.Placement!);
            Estimate placed;
            try
            {
                placed = InterconnectPricing.Reprice(estimator, job.Spec, stored, interconnect, labelled);
            }
            catch (ArgumentException)
            {
                continue; // a spec the estimator cannot price (e.g. a GPU type since removed from the catalog) keeps its estimate
            }

            record.Reprice(JsonSerializer.Serialize(placed, JobSpecJson.Options), placed.GpuHours);
        }
    }

    /// <summary>
    /// The placement's interconnect; when no node of it carries a rack label the racks are unknown and one is assumed (as
    /// submission did), rather than counting every unlabelled node as a rack of its own.
    /// </summary>
    internal static (PlacementInterconnect Interconnect, bool RacksLabelled) InterconnectOf(IReadOnlyList<JobPodPlacement> placement)
    {
        var labelled = placement.Any(p => p.Rack is not null);
        var pods = placement.Select(p => (p.Node, labelled ? p.Rack : string.Empty, Math.Max(1, p.GpuIndices.Count)));
        return (PlacementInterconnect.Of(pods), labelled);
    }
}
