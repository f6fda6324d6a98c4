using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;

namespace Scheduler.Operator.Metrics;

/// <summary>
/// Counts the job controls (hold, release, requeue, update) by queue, action and outcome around their handlers. A refusal of a
/// job that does not exist, or of an invalid request, counts under <c>queue=""</c> so that clients cannot grow the label set.
/// </summary>
internal sealed class JobControlMetrics<TControl>(SchedulerMetrics metrics) : IPipelineBehavior<TControl, Result<JobDetails>>
    where TControl : IJobControl, ICommand<Result<JobDetails>>
{
    public async ValueTask<Result<JobDetails>> Handle(TControl message, MessageHandlerDelegate<TControl, Result<JobDetails>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        Result<JobDetails> result;
        try
        {
            result = await next(message, cancellationToken);
        }
        catch (RequestValidationException)
        {
            metrics.JobControls.WithLabels(string.Empty, message.Action, "refused").Inc();
            throw;
        }

        var queue = result.IsSuccess ? result.Value.Queue : string.Empty;
        metrics.JobControls.WithLabels(queue, message.Action, result.IsSuccess ? "applied" : "refused").Inc();
        return result;
    }
}
