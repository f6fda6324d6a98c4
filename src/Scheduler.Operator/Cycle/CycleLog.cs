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

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Job {Job}: could not delete what it left behind; the orphan collection retries")]
    public static partial void UndoFailed(ILogger logger, Exception exception, string job);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Job {Job}: reconciling it failed ({Action}); the other jobs go on and the next cycle retries")]
    public static partial void ActionFailed(ILogger logger, Exception exception, string job, string action);

    [LoggerMessage(EventId = 105, Level = LogLevel.Error,
        Message = "Orphan guard: {Count} pod(s) belong to jobs this database has no record of, more than one pass may delete; none deleted. Check the connection string and whether the database was restored (Scheduler:Policy:MaxUnknownPodDeletions)")]
    public static partial void OrphansWithheld(ILogger logger, int count);

    [LoggerMessage(EventId = 106, Level = LogLevel.Warning, Message = "Orphan guard: looking up the jobs of orphaned pods failed; none deleted this cycle")]
    public static partial void OrphanLookupFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Listing our Services for orphans failed; the next cycle retries")]
    public static partial void ServiceSweepFailed(ILogger logger, Exception exception);
}
