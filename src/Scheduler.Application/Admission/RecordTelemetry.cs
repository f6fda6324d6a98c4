using Mediator;
using Microsoft.EntityFrameworkCore;
using Scheduler.Admission.Calibration;
using Scheduler.Application.Common;
using Scheduler.Application.Jobs;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;
using Scheduler.Domain.Workloads;
using Scheduler.Persistence;
using Scheduler.Persistence.Admission;

namespace Scheduler.Application.Admission;

/// <summary>
/// Record one telemetry sample of a job (the trainer's <c>POST /api/v1/jobs/{id}/telemetry</c>): store it, fold it into
/// the job's measured progress, and answer that. The final sample of a GPU run that finished (not one stopped early, e.g.
/// preempted) turns the job's throughput into an MFU sample for calibration and rebuilds the MFU table, so later
/// estimates use it.
/// </summary>
/// <remarks>
/// With <paramref name="Attempt"/> (the job token's, always given through the API) the sample is refused (409) unless the
/// job is admitted or running that attempt; a job keeps at most <see cref="MaxSamplesPerJob"/> samples.
/// </remarks>
public sealed record RecordTelemetry(Guid JobId, TelemetrySample Report, int? Attempt = null) : ICommand<Result<MeasuredProgress>>
{
    public const int MaxSamplesPerJob = 100_000;
}

internal sealed class RecordTelemetryValidator(TimeProvider clock) : IMessageValidator<RecordTelemetry>
{
    public const double MaxLoss = 1e4;
    public const double MaxTokensPerSecond = 1e10;
    public const double MaxStepSeconds = 1e6;
    public const double MaxAchievedTflops = 1e9;
    public const double MaxPeakMemoryGiB = 1e4;
    public const int MaxDeviceLength = 32;
    public const int MaxExitReasonLength = 256;
    public static readonly DateTimeOffset EarliestTimestamp = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromDays(1);

    public IEnumerable<FieldError> Validate(RecordTelemetry message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var r = message.Report;
        if (r is null)
        {
            return [new FieldError("$", "the body must be a telemetry sample")];
        }

        var errors = new List<FieldError>();
        void Require(string field, bool present)
        {
            if (!present)
            {
                errors.Add(new FieldError(field, "is required"));
            }
        }

        void Range(string field, double? value, double min, double max, bool minExclusive = false)
        {
            if (value is { } v && !(double.IsFinite(v) && (minExclusive ? v > min : v >= min) && v <= max))
            {
                errors.Add(new FieldError(field, $"must be a number {(minExclusive ? "greater than" : "at least")} {min} and at most {max:G}"));
            }
        }

        Require("step", r.Step is not null);
        Require("tokens", r.Tokens is not null);
        Require("loss", r.Loss is not null);
        Require("tokensPerSecond", r.TokensPerSecond is not null);
        Require("stepSeconds", r.StepSeconds is not null);
        Require("timestamp", r.Timestamp is not null);
        Range("step", r.Step, 0, JobSpecLimits.MaxSteps);
        Range("tokens", r.Tokens, 0, JobSpecLimits.MaxTokens);
        Range("loss", r.Loss, 0, MaxLoss);
        Range("tokensPerSecond", r.TokensPerSecond, 0, MaxTokensPerSecond);
        Range("stepSeconds", r.StepSeconds, 0, MaxStepSeconds, minExclusive: true);
        Range("achievedTflops", r.AchievedTflops, 0, MaxAchievedTflops);
        Range("mfu", r.Mfu, 0, 1);
        Range("peakMemoryGiB", r.PeakMemoryGiB, 0, MaxPeakMemoryGiB);
        Range("worldSize", r.WorldSize, 1, JobSpecLimits.MaxGpus);
        if (r.LastCheckpointStep is { } checkpoint && (checkpoint < 0 || checkpoint > r.Step))
        {
            errors.Add(new FieldError("lastCheckpointStep", "must be between 0 and step"));
        }

        if (r.Timestamp is { } at && (at < EarliestTimestamp || at > clock.GetUtcNow() + MaxClockSkew))
        {
            errors.Add(new FieldError("timestamp", $"must be after {EarliestTimestamp:yyyy-MM-dd} and at most {MaxClockSkew.TotalHours:0} hours ahead of the server's clock"));
        }

        if (r.Device is { } device && (device.Length is 0 or > MaxDeviceLength || !device.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')))
        {
            errors.Add(new FieldError("device", $"must be 1 to {MaxDeviceLength} lower-case letters, digits and '-' (cuda, cpu, ilgpu-cpu)"));
        }

        if (r.ExitReason is { Length: > MaxExitReasonLength })
        {
            errors.Add(new FieldError("exitReason", $"must be at most {MaxExitReasonLength} characters"));
        }

        return errors;
    }
}

internal sealed class RecordTelemetryHandler(SchedulerDbContext db, MfuCalibration calibration, TimeProvider clock, TelemetryWriter? writer = null)
    : ICommandHandler<RecordTelemetry, Result<MeasuredProgress>>
{
    public const int MaxAttempts = 5;

    /// <summary>The job's stored progress moves in steps of at least this (a thousandth of the run), or when the checkpoint moves.</summary>
    public const double ProgressResolution = 0.001;

    /// <summary>
    /// The final sample's exit reason of a trainer that ran to its last step (docs/trainer.md): the only sample calibration
    /// learns from. A preempted attempt (<c>preempted</c>) measured part of a run, its warm-up and any resume included.
    /// </summary>
    public const string FinishedExitReason = TelemetrySample.FinishedExitReason;

    public async ValueTask<Result<MeasuredProgress>> Handle(RecordTelemetry command, CancellationToken cancellationToken)
    {
        // Folded with the samples other trainers sent at the same time (TelemetryWriter); alone when its group could not write it.
        var folded = (writer is null ? null : await writer.TryFoldAsync(command, cancellationToken)) ?? await FoldAloneAsync(command, cancellationToken);
        if (folded.IsSuccess && command.Report is { Final: true, ExitReason: FinishedExitReason } && TelemetrySample.IsGpuDevice(command.Report.Device))
        {
            await AddCalibrationSampleAsync(command.JobId, cancellationToken);
        }

        return folded;
    }

    /// <summary>Why the job takes no sample now (another attempt, a final state, its samples all stored); null when it takes it.</summary>
    private static Failure? Refusal(RecordTelemetry command, JobState state, int attempt, JobMeasurement? measurement)
    {
        if (command.Attempt is { } reported && (attempt != reported || state is not (JobState.Admitted or JobState.Running)))
        {
            return Failure.Conflict("attempt", $"the job is {state} at attempt {attempt}; samples of attempt {reported} are no longer taken");
        }

        return measurement?.Samples >= RecordTelemetry.MaxSamplesPerJob
            ? Failure.Conflict("step", $"the job already stored its {RecordTelemetry.MaxSamplesPerJob} samples")
            : null;
    }

    /// <summary>The sample as stored, received <paramref name="receivedAt"/>.</summary>
    internal static TelemetryRecord Record(RecordTelemetry command, DateTimeOffset receivedAt)
    {
        var r = command.Report;
        return new TelemetryRecord
        {
            JobId = command.JobId,
            Step = r.Step!.Value,
            Tokens = r.Tokens!.Value,
            Loss = r.Loss!.Value,
            TokensPerSecond = r.TokensPerSecond!.Value,
            StepSeconds = r.StepSeconds!.Value,
            AchievedTflops = r.AchievedTflops,
            Mfu = r.Mfu,
            PeakMemoryGiB = r.PeakMemoryGiB,
            LastCheckpointStep = r.LastCheckpointStep,
            Timestamp = r.Timestamp!.Value,
            Device = r.Device,
            WorldSize = r.WorldSize,
            Final = r.Final ?? false,
            ExitReason = r.ExitReason,
            ReceivedAt = receivedAt,
        };
    }

    /// <summary>What the job occupies, by which a sample's step time becomes GPU-hours.</summary>
    private static double GpusOf(TelemetryTarget target) => target.EstimatedGpus ?? target.Spec.Resources?.GpuShare() ?? 0;

    /// <summary>
    /// The job's progress and last checkpoint as <paramref name="measurement"/> has them, which the scheduler reads (a resumed
    /// attempt's predicted runtime, the work a preemption would lose); null when neither moved as far as anyone reads them
    /// (<see cref="ProgressResolution"/>; a checkpoint at step 0 saved no work: as none). No write then, so the operator does not
    /// read the job's row again for nothing: every write of a job row is a change its incremental snapshot reads.
    /// </summary>
    private static JobProgressUpdate? ProgressUpdate(JobSpec spec, double storedProgress, long? storedCheckpoint, JobMeasurement measurement)
    {
        var training = spec.Training;
        var fraction = training?.Tokens is > 0 ? measurement.Tokens / training.Tokens.Value
            : training?.Steps is > 0 ? (double)measurement.Step / training.Steps.Value
            : 0;
        var progress = Math.Clamp(double.IsFinite(fraction) ? fraction : 0, 0, 1);
        var checkpoint = measurement.LastCheckpointStep;
        return Math.Abs(progress - storedProgress) < ProgressResolution && (checkpoint ?? 0) == (storedCheckpoint ?? 0)
            ? null
            : new JobProgressUpdate(measurement.JobId, progress, checkpoint);
    }

    /// <summary>
    /// The sample alone, folded as a group of one (<see cref="FoldAsync"/>); read again and retried while other samples of
    /// the job are folded at the same time.
    /// </summary>
    private async ValueTask<Result<MeasuredProgress>> FoldAloneAsync(RecordTelemetry command, CancellationToken cancellationToken)
    {
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            if ((await FoldAsync(db, [command], clock.StoreNow(), cancellationToken))[0] is { } answer)
            {
                return answer;
            }

            // Another sample of the job was folded at the same time: read it again.
        }

        return Failure.Conflict("step", $"other samples of this job kept arriving at once for {MaxAttempts} attempts; send it again");
    }

    /// <summary>
    /// Folds samples, of one job or many, after one read of their jobs and stores them in one statement
    /// (<see cref="FoldedTelemetryWrite"/>): each job's measurement only where its sample count is still the one read, the
    /// samples of the jobs written, and their progress. Answers each sample's measured progress, why it was refused (no
    /// such job, another attempt, all its samples stored), or null when another writer folded a sample of its job meanwhile.
    /// </summary>
    internal static async Task<IReadOnlyList<Result<MeasuredProgress>?>> FoldAsync(
        SchedulerDbContext db, IReadOnlyList<RecordTelemetry> group, DateTimeOffset receivedAt, CancellationToken cancellationToken)
    {
        var targets = await TargetsAsync(db, [.. group.Select(c => c.JobId).Distinct()], cancellationToken);
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
            if (Refusal(command, target.State, target.Attempt, fold?.Measurement ?? target.Measurement) is { } refusal)
            {
                answers[i] = refusal;
                continue;
            }

            if (fold is null)
            {
                fold = new FoldedMeasurement(target.Measurement ?? new JobMeasurement(command.JobId), target.Measurement?.Samples);
                folded[command.JobId] = fold;
            }

            var sample = Record(command, receivedAt);
            fold.Measurement.Add(sample, GpusOf(target));
            samples.Add(sample);
            answers[i] = MeasuredProgress.From(fold.Measurement);
        }

        var progress = (
            from f in folded.Values
            let t = targets[f.Measurement.JobId]
            select ProgressUpdate(t.Spec, t.Progress, t.LastCheckpointStep, f.Measurement))
            .OfType<JobProgressUpdate>()
            .ToList();
        var written = await FoldedTelemetryWrite.For(db.Model).ExecuteAsync(db, [.. folded.Values], samples, progress, receivedAt, cancellationToken);
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

    /// <summary>The jobs with their measurements (read without tracking: the statement writes them) and estimated GPUs.</summary>
    private static Task<Dictionary<Guid, TelemetryTarget>> TargetsAsync(SchedulerDbContext db, List<Guid> ids, CancellationToken cancellationToken) => (
        from j in db.Jobs.AsNoTracking()
        where ids.Contains(j.Id)
        join m in db.JobMeasurements.AsNoTracking() on j.Id equals m.JobId into measurements
        from m in measurements.DefaultIfEmpty()
        select new TelemetryTarget(
            j.Id, j.State, j.Attempt, j.Spec, j.Progress, j.LastCheckpointStep, m,
            db.JobEstimates.Where(e => e.JobId == j.Id).Select(e => (double?)e.Gpus).FirstOrDefault()))
        .ToDictionaryAsync(t => t.Id, cancellationToken);

    /// <summary>
    /// The job's MFU the estimator's way (<see cref="MfuSample.FromThroughput"/>) at the median tokens/s of its GPU samples,
    /// the first left out as warm-up when there are more; replaces any earlier sample of the job, then recalibrates.
    /// </summary>
    private async ValueTask AddCalibrationSampleAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var estimate = await AdmissionRecords.EstimateOfAsync(db, jobId, cancellationToken);
        if (estimate is null)
        {
            return;
        }

        var samples = await db.Telemetry.AsNoTracking()
            .Where(t => t.JobId == jobId && t.TokensPerSecond > 0)
            .OrderBy(t => t.Id)
            .Select(t => new { t.Device, t.TokensPerSecond })
            .ToListAsync(cancellationToken);
        var throughputs = samples.Where(s => TelemetrySample.IsGpuDevice(s.Device)).Select(s => s.TokensPerSecond).ToList();
        if (throughputs.Count == 0)
        {
            return;
        }

        var warmed = throughputs.Count > 1 ? throughputs.Skip(1).Order().ToList() : throughputs;
        var median = warmed[warmed.Count / 2];
        var mfu = MfuSample.FromThroughput(estimate, median);
        await db.MfuSamples.Where(s => s.JobId == jobId).ExecuteDeleteAsync(cancellationToken);
        db.MfuSamples.Add(new MfuSampleRecord(jobId, mfu.GpuType, mfu.Parameters, mfu.Mfu, median, clock.StoreNow()));
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.IsUniqueViolation(MfuSampleRecord.KeyName))
        {
            // A duplicate final sample of the same job stored it first.
        }

        db.ChangeTracker.Clear();
        await calibration.RecalibrateAsync(db, cancellationToken);
    }
}

/// <summary>What a sample needs of its job, read at once: its state and attempt, its spec, its stored progress, its measurement and its estimated GPUs.</summary>
internal sealed record TelemetryTarget(
    Guid Id, JobState State, int Attempt, JobSpec Spec, double Progress, long? LastCheckpointStep, JobMeasurement? Measurement, double? EstimatedGpus);
