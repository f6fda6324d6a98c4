using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;

namespace Scheduler.Operator.Cycle;

/// <summary>
/// A job stored by this process (REST, a TrainingJob, an array) asks for a cycle at once instead of waiting for the timer's
/// next tick: at a steady stream of submissions the timer's interval was most of a job's wait to be placed. Requests fold
/// into one cycle per debounce window (<see cref="CycleTrigger"/>), so a burst still makes few cycles. An API replica without
/// the operator has no trigger to ask; its submissions wait for the leader's timer, as before.
/// </summary>
internal sealed class SubmissionTriggersCycle(CycleTrigger trigger) : IPipelineBehavior<SubmitJob, Result<SubmittedJob>>
{
    public async ValueTask<Result<SubmittedJob>> Handle(
        SubmitJob message, MessageHandlerDelegate<SubmitJob, Result<SubmittedJob>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        var result = await next(message, cancellationToken);
        if (result.IsSuccess && result.Value.Created)
        {
            trigger.Request();
        }

        return result;
    }
}
