using Microsoft.EntityFrameworkCore;
using Scheduler.Admission.Calibration;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Persistence;

namespace Scheduler.Application.Admission;

/// <summary>
/// The MFU table estimates use: <see cref="MfuCalibrator"/> over the stored samples of finished GPU jobs. Kept in memory
/// and rebuilt when a job adds a sample here, or when older than <see cref="MaxAge"/> (another replica may have added
/// samples). A singleton; the table itself is immutable and swapped whole.
/// </summary>
public sealed class MfuCalibration(GpuCatalog catalog, TimeProvider clock)
{
    /// <summary>Calibration reads at most this many samples, the newest: old hardware and software age out.</summary>
    public const int MaxSamples = 10_000;

    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(30);

    private volatile CalibrationSnapshot? _current;

    public async ValueTask<CalibrationSnapshot> CurrentAsync(SchedulerDbContext db, CancellationToken cancellationToken) =>
        _current is { } current && clock.GetUtcNow() - current.CalibratedAt < MaxAge
            ? current
            : await RecalibrateAsync(db, cancellationToken);

    public async ValueTask<CalibrationSnapshot> RecalibrateAsync(SchedulerDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        // Only jobs that succeeded teach the table: a final sample is posted before the job ends, and a job that then
        // fails or is cancelled measured nothing the estimator should learn (docs/security.md).
        var samples = await db.MfuSamples.AsNoTracking()
            .Where(s => db.Jobs.Any(j => j.Id == s.JobId && j.State == JobState.Succeeded))
            .OrderByDescending(s => s.RecordedAt).Take(MaxSamples)
            .Select(s => new MfuSample(s.GpuType, s.Parameters, s.Mfu))
            .ToListAsync(cancellationToken);
        var snapshot = new CalibrationSnapshot(MfuCalibrator.Calibrate(samples, catalog), samples.Count, clock.GetUtcNow());
        _current = snapshot;
        return snapshot;
    }
}

/// <summary>A calibrated table, how many samples it was built from, and when.</summary>
public sealed record CalibrationSnapshot(MfuTable Table, int Samples, DateTimeOffset CalibratedAt);
