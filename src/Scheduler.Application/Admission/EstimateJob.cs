using Mediator;
using Scheduler.Admission;
using Scheduler.Application.Common;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// Price a job spec without submitting it (<c>POST /api/v1/estimate</c>): the estimate submission would store, with the
/// current calibrated MFU table. The spec is checked by the same validator as submission; name and queue do not affect
/// the price, so they may be left out. Nothing is written. With <paramref name="Advise"/> the estimate carries the layout
/// advisor's cheapest and fastest layouts (<c>?advise=true</c>).
/// </summary>
public sealed record EstimateJob(JobSpec Spec, bool Advise = false) : IQuery<Estimate>
{
    private const string PlaceholderName = "estimate";

    internal JobSpec Priced => Spec with { Name = Spec.Name ?? PlaceholderName, Queue = Spec.Queue ?? PlaceholderName };
}

internal sealed class EstimateJobValidator(JobSpecValidator specValidator) : IMessageValidator<EstimateJob>
{
    public IEnumerable<FieldError> Validate(EstimateJob message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Spec is null ? [new FieldError("$", "the body must be a job spec")] : specValidator.Check(message.Priced);
    }
}

internal sealed class EstimateJobHandler(SchedulerDbContext db, Estimator estimator, MfuCalibration calibration) : IQueryHandler<EstimateJob, Estimate>
{
    public async ValueTask<Estimate> Handle(EstimateJob query, CancellationToken cancellationToken)
    {
        var mfu = await calibration.CurrentAsync(db, cancellationToken);
        var spec = JobSpecNormalizer.Normalize(query.Priced);
        var estimate = estimator.Estimate(spec, mfu.Table);
        return query.Advise ? estimate with { Advice = estimator.Advise(spec, mfu.Table, cancellationToken: cancellationToken) } : estimate;
    }
}
