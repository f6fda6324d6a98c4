using Mediator;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Application.Accounting;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;

namespace Scheduler.Operator.Metrics;

/// <summary>
/// Feeds the GPU-seconds counters around the commands that end an attempt (<see cref="TransitionJob"/>: finished, failed,
/// preempted and requeued; <see cref="CancelJob"/>): when the job's latest transition let its GPUs go, that attempt's
/// placed time × GPUs is added once, under its queue, team, GPU type and submitter. A refused command changes nothing and
/// a repeated one releases nothing, so an attempt cannot count twice. Counting never fails the command.
/// </summary>
internal sealed partial class GpuSecondsMetrics(SchedulerMetrics metrics, IServiceScopeFactory scopes, ILogger<GpuSecondsMetrics> logger)
    : IPipelineBehavior<TransitionJob, Result<JobDetails>>, IPipelineBehavior<CancelJob, Result<JobDetails>>
{
    public async ValueTask<Result<JobDetails>> Handle(
        TransitionJob message, MessageHandlerDelegate<TransitionJob, Result<JobDetails>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        var result = await next(message, cancellationToken);
        await CountAsync(result, cancellationToken);
        return result;
    }

    public async ValueTask<Result<JobDetails>> Handle(
        CancelJob message, MessageHandlerDelegate<CancelJob, Result<JobDetails>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        var result = await next(message, cancellationToken);
        await CountAsync(result, cancellationToken);
        return result;
    }

    private async Task CountAsync(Result<JobDetails> result, CancellationToken cancellationToken)
    {
        if (!result.IsSuccess || Domain.Jobs.JobStateMachine.HoldsResources(result.Value.State))
        {
            return;
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (await scope.ServiceProvider.GetRequiredService<ISender>().Send(new GetReleasedAttempt(result.Value.Id), cancellationToken) is { GpuSeconds: > 0 } released)
            {
                metrics.RecordGpuSeconds(released.Queue, released.Team, released.User, released.GpuType, released.GpuSeconds);
            }
        }
#pragma warning disable CA1031 // The transition is committed; a metric that could not be read must not turn it into an error.
        catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
        {
            LogCountFailed(logger, result.Value.Id, ex);
        }
    }

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "GPU-seconds of job {JobId}'s released attempt were not counted")]
    private static partial void LogCountFailed(ILogger logger, Guid jobId, Exception exception);
}
