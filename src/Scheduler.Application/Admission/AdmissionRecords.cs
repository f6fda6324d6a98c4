using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduler.Admission;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>Reads what admission and telemetry stored about a job, for <see cref="JobDetails"/>.</summary>
internal static class AdmissionRecords
{
    public static async ValueTask<Estimate?> EstimateOfAsync(SchedulerDbContext db, Guid jobId, CancellationToken cancellationToken)
    {
        var json = await db.JobEstimates.AsNoTracking().Where(e => e.JobId == jobId).Select(e => e.EstimateJson).FirstOrDefaultAsync(cancellationToken);
        var estimate = json is null ? null : JsonSerializer.Deserialize<Estimate>(json, JobSpecJson.Options);
        // Only jobs that fit are stored, so their suggestions are empty: the estimator's own empty list keeps a stored
        // estimate equal (as a record) to the one submission answered.
        return estimate is { Suggestions.Count: 0 } ? estimate with { Suggestions = [] } : estimate;
    }

    /// <summary>The job's details with its estimate, measured progress and budget hold, where it has them.</summary>
    public static async ValueTask<JobDetails> AttachAsync(SchedulerDbContext db, JobDetails job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var estimate = await EstimateOfAsync(db, job.Id, cancellationToken);
        var measured = await db.JobMeasurements.AsNoTracking().FirstOrDefaultAsync(m => m.JobId == job.Id, cancellationToken);
        var hold = await db.BudgetCharges.AsNoTracking().Where(c => c.JobId == job.Id).Select(c => c.HoldReason).FirstOrDefaultAsync(cancellationToken);
        return job with
        {
            Estimate = estimate,
            Measured = measured is null ? null : MeasuredProgress.From(measured),
            BudgetHold = hold,
        };
    }
}
