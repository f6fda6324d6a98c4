using Microsoft.EntityFrameworkCore;
using Scheduler.Application.Dashboard;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// When a job ends, its budget charge becomes what it really used: the time it held GPUs (every attempt, from placement
/// to release: <see cref="GpuHolding.Intervals"/>, the figure accounting reports) × the GPUs it occupies; a job that never
/// was placed but reported telemetry is charged its measured GPU-hours; one that did neither, nothing.
/// </summary>
internal static class BudgetSettlement
{
    /// <summary>Corrects the job's charge in <paramref name="db"/>, to be saved with the job's final transition. Idempotent.</summary>
    public static async ValueTask SettleAsync(SchedulerDbContext db, Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(job);
        var charge = await db.BudgetCharges.FirstOrDefaultAsync(c => c.JobId == job.Id, cancellationToken);
        if (charge is null || charge.SettledAt is not null)
        {
            return;
        }

        var stored = await db.JobEvents.AsNoTracking().Where(e => e.JobId == job.Id).ToListAsync(cancellationToken);
        var events = stored.Concat(job.Events).DistinctBy(e => e.Sequence).OrderBy(e => e.Sequence);
        // The same intervals as GET /api/v1/accounting/*, so the ledger and accounting agree at the end of every job.
        var actual = GpuHolding.Intervals(events, job.UpdatedAt).Sum(i => (i.End - i.Start).TotalHours) * (job.Spec.Resources?.GpuShare() ?? 0);
        if (actual <= 0)
        {
            actual = await db.JobMeasurements.AsNoTracking().Where(m => m.JobId == job.Id).Select(m => (double?)m.GpuHours).FirstOrDefaultAsync(cancellationToken) ?? 0;
        }

        charge.Settle(actual, job.UpdatedAt);
    }
}
