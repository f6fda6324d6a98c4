using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Scheduler.Admission;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>Reads what admission and telemetry stored about jobs, for <see cref="JobDetails"/>.</summary>
internal static class AdmissionRecords
{
    public static async ValueTask<Estimate?> EstimateOfAsync(SchedulerDbContext db, Guid jobId, CancellationToken cancellationToken)
    {
        var json = await db.JobEstimates.AsNoTracking().Where(e => e.JobId == jobId).Select(e => e.EstimateJson).FirstOrDefaultAsync(cancellationToken);
        return json is null ? null : JsonSerializer.Deserialize<Estimate>(json, JobSpecJson.Options);
    }

    /// <summary>The job's details with its estimate, measured progress and budget hold, where it has them.</summary>
    public static async ValueTask<JobDetails> AttachAsync(SchedulerDbContext db, JobDetails job, CancellationToken cancellationToken) =>
        (await AttachAllAsync(db, [job], cancellationToken))[0];

    /// <summary>The jobs' details, in the same order, each with what admission and telemetry stored about it (three queries for the lot).</summary>
    public static async ValueTask<IReadOnlyList<JobDetails>> AttachAllAsync(SchedulerDbContext db, IReadOnlyList<JobDetails> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
        {
            return jobs;
        }

        var ids = jobs.Select(j => j.Id).ToList();
        var estimates = await db.JobEstimates.AsNoTracking().Where(e => ids.Contains(e.JobId))
            .ToDictionaryAsync(e => e.JobId, e => e.EstimateJson, cancellationToken);
        var measured = await db.JobMeasurements.AsNoTracking().Where(m => ids.Contains(m.JobId)).ToDictionaryAsync(m => m.JobId, cancellationToken);
        var holds = await db.BudgetCharges.AsNoTracking().Where(c => ids.Contains(c.JobId) && c.HoldReason != null)
            .ToDictionaryAsync(c => c.JobId, c => c.HoldReason, cancellationToken);
        return [.. jobs.Select(job => job with
        {
            Estimate = estimates.TryGetValue(job.Id, out var json) ? JsonSerializer.Deserialize<Estimate>(json, JobSpecJson.Options) : null,
            Measured = measured.TryGetValue(job.Id, out var m) ? MeasuredProgress.From(m) : null,
            BudgetHold = holds.GetValueOrDefault(job.Id),
        })];
    }
}
