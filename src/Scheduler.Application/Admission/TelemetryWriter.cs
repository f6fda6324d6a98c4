using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Application.Common;
using Scheduler.Persistence;
using Scheduler.Persistence.Admission;

namespace Scheduler.Application.Admission;

/// <summary>
/// Group commit for telemetry. Samples that arrive together, of many jobs, are folded after one read of their jobs and stored
/// in one statement (<see cref="FoldedTelemetryWrite"/>: one round trip, one transaction, one WAL flush) instead of a read, a
/// transaction and a progress update each: every running trainer reports, and every job that starts sends its first sample
/// as it starts, so a burst of starts is a burst of samples. A caller's answer comes only after its group committed. A sample
/// the group refuses (no such job, another attempt, all its samples stored) gets that answer; one the group could not write
/// (another writer folded a sample of the job meanwhile) or a group that failed as a whole answers null: that caller folds
/// its sample alone, where a race is tried again.
/// </summary>
internal sealed partial class TelemetryWriter
{
    /// <summary>At most this many samples per transaction.</summary>
    public const int MaxGroupSize = 64;

    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _clock;
    private readonly GroupCommit<RecordTelemetry, Result<MeasuredProgress>?> _groups;

    public TelemetryWriter(IServiceScopeFactory scopes, TimeProvider clock, ILogger<TelemetryWriter> logger)
    {
        _scopes = scopes;
        _clock = clock;
        _groups = new GroupCommit<RecordTelemetry, Result<MeasuredProgress>?>(WriteAsync, failed: null, (count, ex) => LogGroupFailed(logger, count, ex), MaxGroupSize);
    }

    /// <summary>The job's measured progress once the sample is stored, why it was refused, or null when the caller must fold it alone.</summary>
    public Task<Result<MeasuredProgress>?> TryFoldAsync(RecordTelemetry command, CancellationToken cancellationToken) =>
        _groups.WriteAsync(command, cancellationToken);

    private async Task<IReadOnlyList<Result<MeasuredProgress>?>> WriteAsync(IReadOnlyList<RecordTelemetry> group)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SchedulerDbContext>();
        return await RecordTelemetryHandler.FoldAsync(db, group, _clock.StoreNow(), CancellationToken.None);
    }

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "A group of {Count} telemetry samples failed to commit; each is folded alone")]
    private static partial void LogGroupFailed(ILogger logger, int count, Exception exception);
}
