using Mediator;
using Scheduler.Admission;
using Scheduler.Admission.Advice;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// The layout advisor's cheapest layout for a stored job, offered when it saves at least
/// <see cref="JobAdvice.MinimumSaving"/> of the predicted GPU-hours (<c>GET /api/v1/jobs/{id}/advice</c>, the job page's
/// "could run N% cheaper"). Only for jobs that have not ended; a job the bundled trainer runs (no image of its own) is
/// advised only layouts the trainer runs (<see cref="Estimator.ScopeOf"/>). The search is bounded by <see cref="TimeLimit"/>
/// (about 20 ms of CPU for 405B on 16K GPUs, docs/benchmarks/advisor.md); past it the answer says so instead of waiting.
/// </summary>
public sealed record GetJobAdvice(Guid JobId) : IQuery<Result<JobAdvice>>
{
    public static readonly TimeSpan TimeLimit = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The advice for a job. <paramref name="Offered"/>: <paramref name="Cheaper"/> saves at least
/// <see cref="MinimumSaving"/> of <paramref name="Submitted"/>'s GPU-hours; <paramref name="Saving"/> is that share
/// (0.31 = 31% fewer GPU-hours); <paramref name="Reason"/> says why in words, offered or not.
/// </summary>
public sealed record JobAdvice(
    Guid JobId,
    JobState State,
    bool Offered,
    string Reason,
    LayoutScope Scope,
    double? Saving = null,
    LayoutOption? Submitted = null,
    LayoutOption? Cheaper = null)
{
    /// <summary>Below this share of the GPU-hours a different layout is not worth the change (estimates are ±10% good).</summary>
    public const double MinimumSaving = 0.10;
}

internal sealed class GetJobAdviceHandler(SchedulerDbContext db, Estimator estimator, MfuCalibration calibration, TimeProvider clock)
    : IQueryHandler<GetJobAdvice, Result<JobAdvice>>
{
    public async ValueTask<Result<JobAdvice>> Handle(GetJobAdvice query, CancellationToken cancellationToken)
    {
        if (await StoreQueries.JobById(db, query.JobId, cancellationToken) is not { } job)
        {
            return JobChanges.NoSuchJob(query.JobId);
        }

        var normalized = JobSpecNormalizer.Normalize(job.Spec);
        var scope = Estimator.ScopeOf(normalized);
        if (JobStateMachine.IsFinal(job.State))
        {
            return new JobAdvice(job.Id, job.State, false, $"the job has ended ({job.State}); advice is for queued and running jobs", scope);
        }

        var mfu = await calibration.CurrentAsync(db, cancellationToken);
        using var limit = new CancellationTokenSource(GetJobAdvice.TimeLimit, clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        LayoutAdvice advice;
        try
        {
            advice = estimator.Advise(normalized, mfu.Table, top: 1, scope, linked.Token);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new JobAdvice(job.Id, job.State, false, FormattableString.Invariant($"the layout search did not finish within {GetJobAdvice.TimeLimit.TotalSeconds:0} s"), scope);
        }
        catch (ArgumentException e)
        {
            // A spec the estimator cannot price (a model given only as a parameter count still prices; a GPU type since
            // removed from the catalog does not).
            return new JobAdvice(job.Id, job.State, false, $"the job cannot be priced: {e.Message}", scope);
        }

        var best = advice.CheapestGpuHours.FirstOrDefault();
        var submitted = advice.Submitted;
        if (best is null || submitted.GpuHours <= 0 || !submitted.Fits)
        {
            return new JobAdvice(job.Id, job.State, false, advice.Summary, scope, Submitted: submitted);
        }

        var saving = 1 - (best.GpuHours / submitted.GpuHours);
        return saving >= JobAdvice.MinimumSaving
            ? new JobAdvice(job.Id, job.State, true, advice.Summary, scope, saving, submitted, best)
            : new JobAdvice(job.Id, job.State, false,
                FormattableString.Invariant($"the cheapest layout found saves {Math.Max(0, saving) * 100:0}% of the GPU-hours, under the {JobAdvice.MinimumSaving * 100:0}% worth a change"),
                scope, Math.Max(0, saving), submitted, best);
    }
}
