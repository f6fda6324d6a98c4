using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
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
        var targets = await TargetsAsync(db, [.. group.Select(c => c.JobId).Distinct()]);
        var receivedAt = _clock.StoreNow();
        var answers = new Result<MeasuredProgress>?[group.Count];
        var folded = new Dictionary<Guid, FoldedMeasurement>();
        var samples = new List<TelemetryRecord>(group.Count);
        for (var i = 0; i < group.Count; i++)
        {
            var command = group[i];
            if (!targets.TryGetValue(command.JobId, out var target))
            {
                answers[i] = JobChanges.NoSuchJob(command.JobId);
                continue;
            }

            // Samples of one job in the group fold one after the other, in the order they arrived.
            var fold = folded.GetValueOrDefault(command.JobId);
            if (RecordTelemetryHandler.Refusal(command, target.State, target.Attempt, fold?.Measurement ?? target.Measurement) is { } refusal)
            {
                answers[i] = refusal;
                continue;
            }

            if (fold is null)
            {
                fold = new FoldedMeasurement(target.Measurement ?? new JobMeasurement(command.JobId), target.Measurement?.Samples);
                folded[command.JobId] = fold;
            }

            var sample = RecordTelemetryHandler.Record(command, receivedAt);
            fold.Measurement.Add(sample, RecordTelemetryHandler.GpusOf(target));
            samples.Add(sample);
            answers[i] = MeasuredProgress.From(fold.Measurement);
        }

        var progress = (
            from f in folded.Values
            let t = targets[f.Measurement.JobId]
            select RecordTelemetryHandler.ProgressUpdate(t.Spec, t.Progress, t.LastCheckpointStep, f.Measurement))
            .OfType<JobProgressUpdate>()
            .ToList();
        var written = await FoldedTelemetryWrite.For(db.Model).ExecuteAsync(db, [.. folded.Values], samples, progress, receivedAt, CancellationToken.None);
        for (var i = 0; i < group.Count; i++)
        {
            // Only a folded sample answers success before the write.
            if (answers[i] is { IsSuccess: true } && !written.Contains(group[i].JobId))
            {
                answers[i] = null;
            }
        }

        return answers;
    }

    /// <summary>The jobs of the group with their measurements (read without tracking: the statement writes them) and estimated GPUs.</summary>
    private static Task<Dictionary<Guid, TelemetryTarget>> TargetsAsync(SchedulerDbContext db, List<Guid> ids) => (
        from j in db.Jobs.AsNoTracking()
        where ids.Contains(j.Id)
        join m in db.JobMeasurements.AsNoTracking() on j.Id equals m.JobId into measurements
        from m in measurements.DefaultIfEmpty()
        select new TelemetryTarget(
            j.Id, j.State, j.Attempt, j.Spec, j.Progress, j.LastCheckpointStep, m,
            db.JobEstimates.Where(e => e.JobId == j.Id).Select(e => (double?)e.Gpus).FirstOrDefault()))
        .ToDictionaryAsync(t => t.Id, CancellationToken.None);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "A group of {Count} telemetry samples failed to commit; each is folded alone")]
    private static partial void LogGroupFailed(ILogger logger, int count, Exception exception);
}
