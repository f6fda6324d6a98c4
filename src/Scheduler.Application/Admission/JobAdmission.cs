using System.Text.Json;
using Scheduler.Admission;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;
using Scheduler.Persistence.Admission;
using Scheduler.Persistence.Queues;

namespace Scheduler.Application.Admission;

/// <summary>
/// What submission asks before it stores a job: the estimate (with the calibrated MFU table), whether the job fits its
/// GPU type's memory (422 with the reason and suggestions if not), and whether the queue's GPU-hour budget has room for
/// the predicted GPU-hours (422 naming <c>budget</c>, or a hold, per the queue's <c>whenExceeded</c>; always 422 when
/// the prediction exceeds the queue's whole budget per period, which no period could ever make room for).
/// </summary>
internal sealed class JobAdmission(SchedulerDbContext db, Estimator estimator, MfuCalibration calibration, TimeProvider clock)
{
    public const string HoldReasonPrefix = "BudgetExceeded";

    /// <param name="normalizedSpec">Validated and normalised, with its priority class resolved.</param>
    /// <param name="tasks">Jobs of this spec the submission stores (an array's tasks): the budget must have room for all of them.</param>
    public async ValueTask<Result<AdmissionTicket>> AdmitAsync(JobQueue queue, JobSpec normalizedSpec, CancellationToken cancellationToken, int tasks = 1)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var mfu = await calibration.CurrentAsync(db, cancellationToken);
        var estimate = estimator.Estimate(normalizedSpec, mfu.Table);
        if (!estimate.Fits)
        {
            return AdmissionFailures.DoesNotFit(estimate with { Advice = estimator.Advise(normalizedSpec, mfu.Table, cancellationToken: cancellationToken) });
        }

        var budget = await BudgetUsage.OfAsync(db, queue.Name, queue.Spec.GpuHourBudget, clock.GetUtcNow(), cancellationToken);
        var gpuHours = estimate.GpuHours * tasks;
        if (budget is not null && estimate.GpuHours > budget.GpuHours)
        {
            // No period would ever have room for it: holding it would keep it (and, releases being in order, every later
            // held job) waiting forever, so it is refused whatever whenExceeded says.
            return Failure.Unprocessable("budget", budget.BeyondWholeBudget(queue.Name, estimate.GpuHours));
        }

        if (budget is null || gpuHours <= budget.RemainingGpuHours)
        {
            return new AdmissionTicket(estimate, HoldReason: null);
        }

        var shortfall = budget.Shortfall(queue.Name, gpuHours);
        return budget.WhenExceeded == BudgetExceededAction.Hold
            ? new AdmissionTicket(estimate, $"{HoldReasonPrefix}: {shortfall}; held until the budget has room")
            : Failure.Unprocessable("budget", shortfall);
    }
}

/// <summary>A job's admission: its estimate, and why it waits for budget (null when it does not).</summary>
internal sealed record AdmissionTicket(Estimate Estimate, string? HoldReason)
{
    /// <summary>Adds the estimate and the budget charge to <paramref name="db"/>, to be saved with the job.</summary>
    public void Record(SchedulerDbContext db, Job job)
    {
        ArgumentNullException.ThrowIfNull(db);
        db.AddRange(RowsFor(job));
    }

    /// <summary>The rows stored with the job in its transaction: the estimate and the budget charge.</summary>
    public IReadOnlyList<object> RowsFor(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return
        [
            new JobEstimateRecord(
                job.Id, JsonSerializer.Serialize(Estimate, JobSpecJson.Options), Estimate.GpuType, Estimate.GpuHours,
                Estimate.MemoryPerGpuGiB.Total, Estimate.Gpus, Estimate.Mfu, Estimate.MfuSource),
            new BudgetCharge(job.Id, job.Queue, job.CreatedAt, Estimate.GpuHours, HoldReason),
        ];
    }

    public JobDetails Describe(Job job) => JobDetails.From(job) with { Estimate = Estimate, BudgetHold = HoldReason };
}

internal static class AdmissionFailures
{
    public const string Title = "The job does not fit its GPU type's memory.";

    /// <summary>
    /// 422: the verdict (reason and first suggestion) under <c>resources</c>; the suggestions, the layout advisor's
    /// feasible layouts (<c>advice</c>, when the estimate carries them) and the whole estimate as extensions.
    /// </summary>
    public static Failure DoesNotFit(Estimate estimate) => new(
        FailureKind.Unprocessable,
        Title,
        new Dictionary<string, string[]>(StringComparer.Ordinal) { ["resources"] = [estimate.Verdict] },
        new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["reason"] = estimate.Reason,
            ["suggestions"] = estimate.Suggestions,
            ["advice"] = estimate.Advice,
            ["estimate"] = estimate with { Advice = null },
        });
}
