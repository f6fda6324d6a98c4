using Microsoft.Extensions.Logging;
using Scheduler.Domain.Jobs;

namespace Scheduler.Operator.Cycle;

/// <summary>The cycle's log messages, with their stable event ids, shared by the reconciler and the decision applier.</summary>
internal static partial class CycleLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Job {Job}: {From} -> {To} ({Reason})")]
    public static partial void Transition(ILogger logger, string job, JobState from, JobState to, string reason);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Job {Job}: could not create its pods; requeued")]
    public static partial void PlacementFailed(ILogger logger, Exception exception, string job);
}
