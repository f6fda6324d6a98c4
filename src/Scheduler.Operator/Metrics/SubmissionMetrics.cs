using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;

namespace Scheduler.Operator.Metrics;

/// <summary>Counts submissions by outcome around the <see cref="SubmitJob"/> handler: accepted (created), duplicate (an identical resubmission), rejected.</summary>
internal sealed class SubmissionMetrics(SchedulerMetrics metrics) : IPipelineBehavior<SubmitJob, Result<SubmittedJob>>
{
    public async ValueTask<Result<SubmittedJob>> Handle(
        SubmitJob message, MessageHandlerDelegate<SubmitJob, Result<SubmittedJob>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        var queue = message.Spec.Queue ?? "";
        Result<SubmittedJob> result;
        try
        {
            result = await next(message, cancellationToken);
        }
        catch (RequestValidationException)
        {
            metrics.RecordSubmission(queue, SchedulerMetrics.RejectedOutcome);
            throw;
        }

        metrics.RecordSubmission(queue, !result.IsSuccess ? SchedulerMetrics.RejectedOutcome
            : result.Value.Created ? SchedulerMetrics.AcceptedOutcome : SchedulerMetrics.DuplicateOutcome);
        return result;
    }
}
