using Mediator;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Metrics;

/// <summary>
/// Feeds the estimator-accuracy histograms around <see cref="TransitionJob"/>: when a job reaches Succeeded with both a
/// stored estimate and trainer telemetry, its predicted and measured GPU-hours and peak memory are recorded once (a
/// repeated transition to a final state is refused, so it cannot count twice). A Failed job ran for only part of its
/// training (one failing at 5 % would record −0.95), so it says nothing about the estimator's GPU-hours; an OOMKilled one
/// does say something about its memory: its peak (when telemetry came) beside the prediction. Every transition whose reason
/// starts with a code (<see cref="EndReasons"/>) is counted by that code.
/// </summary>
internal sealed class FinishedJobMetrics(SchedulerMetrics metrics) : IPipelineBehavior<TransitionJob, Result<JobDetails>>
{
    public async ValueTask<Result<JobDetails>> Handle(
        TransitionJob message, MessageHandlerDelegate<TransitionJob, Result<JobDetails>> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(next);
        var result = await next(message, cancellationToken);
        if (result.IsSuccess && message.To is JobState.Succeeded
            && result.Value is { Estimate: { } estimate, Measured: { GpuHours: > 0 } measured })
        {
            metrics.RecordFinishedJob(estimate.GpuType, estimate.GpuHours, measured.GpuHours, estimate.MemoryPerGpuGiB.Total, measured.PeakMemoryGiB);
        }

        var code = EndReasons.CodeOf(message.Reason);
        if (result.IsSuccess && code is not null && message.To is not JobState.Succeeded)
        {
            metrics.EndReasons.WithLabels(result.Value.Queue, code).Inc();
            if (code == EndReasons.OomKilled && result.Value is { Estimate: { } predicted, Measured.PeakMemoryGiB: { } peak })
            {
                metrics.RecordOomKilled(predicted.GpuType, predicted.MemoryPerGpuGiB.Total, peak);
            }
        }

        return result;
    }
}
