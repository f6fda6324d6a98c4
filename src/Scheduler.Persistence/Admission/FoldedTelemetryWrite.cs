using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence.Jobs;

namespace Scheduler.Persistence.Admission;

/// <summary>A job's measurement after a group's samples were folded into it, and its sample count as read before (null: it had none).</summary>
public sealed record FoldedMeasurement(JobMeasurement Measurement, int? SamplesBefore);

/// <summary>The progress and last checkpoint step a job's row is to record (a checkpoint step of null leaves the row's).</summary>
public sealed record JobProgressUpdate(Guid JobId, double Progress, long? CheckpointStep);

/// <summary>
/// One SQL statement that stores a group of telemetry samples of many jobs: each job's folded measurement (inserted, or updated
/// only where its sample count is still the one read, the same check as EF's concurrency token), the samples of the jobs whose
/// measurement was written, and those jobs' progress. Answers the jobs written; a job left out (another writer folded a sample
/// of it meanwhile) is written by no part of the statement, and its caller folds again. What this replaces is a read, a
/// transaction of two inserts or updates and a progress update per sample: every running trainer reports, and a burst of
/// starts is a burst of first samples. Columns come from the EF model, as <see cref="NewJobsInsert"/>'s do.
/// </summary>
public sealed class FoldedTelemetryWrite
{
    private static readonly ConditionalWeakTable<IModel, FoldedTelemetryWrite> ByModel = [];

    private readonly TableWrite _measurements;
    private readonly TableWrite _samples;
    private readonly TableWrite _jobs;
    private readonly string _measurementKey;
    private readonly string[] _measurementColumns;
    private readonly string[] _measuredColumns;
    private readonly string _sampleCount;
    private readonly string _progress;
    private readonly string _checkpointAt;
    private readonly string _checkpointStep;

    private FoldedTelemetryWrite(TableWrite measurements, TableWrite samples, TableWrite jobs)
    {
        _measurements = measurements;
        _samples = samples;
        _jobs = jobs;
        _measurementKey = measurements.Key;
        _measurementColumns = [.. measurements.Columns.Select(c => TableWrite.Quote(c.Name))];
        _measuredColumns = [.. _measurementColumns.Where(c => c != _measurementKey)];
        _sampleCount = measurements.QuotedColumn(nameof(JobMeasurement.Samples));
        _progress = jobs.QuotedColumn(nameof(Job.Progress));
        _checkpointAt = jobs.QuotedColumn(nameof(Job.LastCheckpointAt));
        _checkpointStep = jobs.QuotedColumn(nameof(Job.LastCheckpointStep));
    }

    /// <summary>The write for <paramref name="model"/> (built once per model).</summary>
    public static FoldedTelemetryWrite For(IModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ByModel.GetValue(model, m =>
            TableWrite.For(m, typeof(JobMeasurement)) is { } measurements && TableWrite.For(m, typeof(TelemetryRecord)) is { } samples
            && TableWrite.For(m, typeof(Job)) is { } jobs
                ? new FoldedTelemetryWrite(measurements, samples, jobs)
                : throw new InvalidOperationException("The jobs, job_measurements or job_telemetry table has a column no property fills; FoldedTelemetryWrite cannot write it."));
    }

    /// <summary>
    /// Writes the group on <paramref name="db"/>'s connection (one statement, so one transaction unless the context has one);
    /// <paramref name="now"/> is when a moved checkpoint was taken. Answers the ids of the jobs written.
    /// </summary>
    public Task<HashSet<Guid>> ExecuteAsync(
        DbContext db, IReadOnlyList<FoldedMeasurement> measurements, IReadOnlyList<TelemetryRecord> samples, IReadOnlyList<JobProgressUpdate> progress,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(measurements);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(progress);
        return measurements.Count == 0
            ? Task.FromResult(new HashSet<Guid>())
            : TableWrite.ExecuteIdsAsync(db, command => Sql(command, measurements, samples, progress, now), cancellationToken);
    }

    private string Sql(DbCommand command, IReadOnlyList<FoldedMeasurement> measurements, IReadOnlyList<TelemetryRecord> samples, IReadOnlyList<JobProgressUpdate> progress, DateTimeOffset now)
    {
        // Data-modifying CTEs see the same snapshot, so the insert of new measurements and the checked update of existing
        // ones are each told which rows are theirs (samples_before null or not); "written" is what either stored.
        var sql = new StringBuilder("WITH folded AS (SELECT * FROM ");
        _measurements.AppendUnnest(sql, command, [.. measurements.Select(m => m.Measurement)]);
        sql.Append("), expected AS (SELECT * FROM unnest(");
        TableWrite.AppendArray(sql, command, measurements.Select(m => m.Measurement.JobId).ToArray(), "uuid[]");
        sql.Append(", ");
        TableWrite.AppendArray(sql, command, measurements.Select(m => m.SamplesBefore).ToArray(), "integer[]");
        sql.Append(") AS x (job_id, samples_before))");

        sql.Append(", inserted AS (INSERT INTO ").Append(_measurements.Table).Append(" (").Append(_measurements.ColumnList).Append(") SELECT ")
            .AppendJoin(", ", _measurementColumns.Select(c => "e." + c))
            .Append(" FROM folded e JOIN expected x ON x.job_id = e.").Append(_measurementKey)
            .Append(" WHERE x.samples_before IS NULL ON CONFLICT DO NOTHING RETURNING ").Append(_measurementKey).Append(" AS job_id)");
        sql.Append(", updated AS (UPDATE ").Append(_measurements.Table).Append(" AS m SET (").AppendJoin(", ", _measuredColumns).Append(") = (")
            .AppendJoin(", ", _measuredColumns.Select(c => "e." + c)).Append(')')
            .Append(" FROM folded e JOIN expected x ON x.job_id = e.").Append(_measurementKey)
            .Append(" WHERE m.").Append(_measurementKey).Append(" = e.").Append(_measurementKey)
            .Append(" AND m.").Append(_sampleCount).Append(" = x.samples_before RETURNING m.").Append(_measurementKey).Append(" AS job_id)");
        sql.Append(", written AS (SELECT job_id FROM inserted UNION ALL SELECT job_id FROM updated)");
        _samples.AppendInsertForJobs(sql, command, "stored", samples, "written", "job_id");

        if (progress.Count > 0)
        {
            // The row's version stays: a measurement is not a change of state, and must never fail the operator's next transition.
            sql.Append(", moved AS (UPDATE ").Append(_jobs.Table).Append(" AS j SET ").Append(_progress).Append(" = p.progress, ")
                .Append(_checkpointAt).Append(" = CASE WHEN p.checkpoint IS NOT NULL AND p.checkpoint IS DISTINCT FROM j.").Append(_checkpointStep)
                .Append(" THEN ");
            TableWrite.AppendValue(sql, command, now, "timestamp with time zone");
            sql.Append(" ELSE j.").Append(_checkpointAt).Append(" END, ")
                .Append(_checkpointStep).Append(" = COALESCE(p.checkpoint, j.").Append(_checkpointStep).Append(") FROM unnest(");
            TableWrite.AppendArray(sql, command, progress.Select(p => p.JobId).ToArray(), "uuid[]");
            sql.Append(", ");
            TableWrite.AppendArray(sql, command, progress.Select(p => p.Progress).ToArray(), "double precision[]");
            sql.Append(", ");
            TableWrite.AppendArray(sql, command, progress.Select(p => p.CheckpointStep).ToArray(), "bigint[]");
            sql.Append(") AS p (id, progress, checkpoint) WHERE j.").Append(_jobs.Key).Append(" = p.id AND p.id IN (SELECT job_id FROM written))");
        }

        return sql.Append(" SELECT job_id FROM written").ToString();
    }
}
