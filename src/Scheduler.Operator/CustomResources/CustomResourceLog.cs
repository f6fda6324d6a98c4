using Microsoft.Extensions.Logging;

namespace Scheduler.Operator.CustomResources;

/// <summary>The sync's log messages, event ids 5301–5399.</summary>
internal static partial class CustomResourceLog
{
    [LoggerMessage(EventId = 5301, Level = LogLevel.Warning, Message = "Reconciling {Kind} {Key} failed; retrying at the next resync")]
    public static partial void ReconcileFailed(ILogger logger, string kind, string key, Exception exception);

    [LoggerMessage(EventId = 5302, Level = LogLevel.Information, Message = "TrainingJob {Key} submitted as job {JobId} (generation {Generation})")]
    public static partial void JobSubmitted(ILogger logger, string key, Guid jobId, long generation);

    [LoggerMessage(EventId = 5303, Level = LogLevel.Information, Message = "TrainingJob {Key} was deleted; cancelled job {JobId}")]
    public static partial void JobCancelled(ILogger logger, string key, Guid jobId);

    [LoggerMessage(EventId = 5304, Level = LogLevel.Warning, Message = "TrainingJob {Key} was not submitted ({Problem}): {Message}")]
    public static partial void JobNotSubmitted(ILogger logger, string key, SyncProblemKind problem, string message);

    [LoggerMessage(EventId = 5305, Level = LogLevel.Information, Message = "GpuQueue {Name} stored (generation {Generation}, created {Created})")]
    public static partial void QueueStored(ILogger logger, string name, long generation, bool created);

    [LoggerMessage(EventId = 5306, Level = LogLevel.Warning, Message = "GpuQueue {Name} generation {Generation} was refused: {Message}")]
    public static partial void QueueRefused(ILogger logger, string name, long generation, string message);

    [LoggerMessage(EventId = 5307, Level = LogLevel.Warning,
        Message = "GpuQueue {Name} was deleted in Kubernetes; the queue and its jobs stay in the database (jobs keep running and new submissions to it are still accepted)")]
    public static partial void QueueDeleted(ILogger logger, string name);

    [LoggerMessage(EventId = 5308, Level = LogLevel.Warning, Message = "The event on TrainingJob {Key} was not recorded (HTTP {Status})")]
    public static partial void EventNotRecorded(ILogger logger, string key, int status);
}
