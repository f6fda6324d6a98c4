using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;

namespace Scheduler.Operator.Metrics;

/// <summary>
/// Counts submissions by outcome around the <see cref="SubmitJob"/> handler: accepted (created), duplicate (an identical
/// resubmission), rejected. A rejection is labelled with its queue only when the queue exists; an invalid spec or an unknown
/// queue counts under <c>queue=""</c>, so that clients cannot grow the label set with made-up names.
/// </summary>
internal sealed class SubmissionMetrics(SchedulerMetrics metrics) : IPipelineBehavior<SubmitJob, Result<SubmittedJob>>
{
    private const string UnknownQueue = "";

    public async ValueTask<Result<SubmittedJob>> Handle(
        SubmitJob message, MessageHandlerDelegate<SubmitJob, Result<SubmittedJob>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        Result<SubmittedJob> result;
        try
        {
            result = await next(message, cancellationToken);
        }
        catch (RequestValidationException)
        {
            metrics.RecordSubmission(UnknownQueue, SchedulerMetrics.RejectedOutcome);
            throw;
        }

        if (!result.IsSuccess)
        {
            metrics.RecordSubmission(result.Failure.Kind == FailureKind.NotFound ? UnknownQueue : message.Spec.Queue ?? UnknownQueue, SchedulerMetrics.RejectedOutcome);
        }
        else
        {
            metrics.RecordSubmission(result.Value.Job.Queue, result.Value.Created ? SchedulerMetrics.AcceptedOutcome : SchedulerMetrics.DuplicateOutcome);
        }

        return result;
    }
}
