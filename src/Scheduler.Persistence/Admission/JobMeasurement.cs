namespace Scheduler.Persistence.Admission;

/// <summary>
/// A job's latest measured progress, folded from its telemetry: the last sample's values, the highest peak memory seen,
/// and the GPU-hours its steps took so far.
/// </summary>
public sealed class JobMeasurement
{
    /// <summary>The primary key's name: two first samples of one job collide on it.</summary>
    public const string KeyName = "pk_job_measurements";

    public JobMeasurement(Guid jobId) => JobId = jobId;

    public Guid JobId { get; private set; }

    public long Step { get; private set; }

    public long Tokens { get; private set; }

    public double Loss { get; private set; }

    public double TokensPerSecond { get; private set; }

    public double StepSeconds { get; private set; }

    public double? AchievedTflops { get; private set; }

    public double? Mfu { get; private set; }

    public double? PeakMemoryGiB { get; private set; }

    public long? LastCheckpointStep { get; private set; }

    public string? Device { get; private set; }

    /// <summary>Σ steps advanced × step seconds × GPUs ÷ 3600 over the samples (steps repeated after a resume are not counted twice).</summary>
    public double GpuHours { get; private set; }

    public int Samples { get; private set; }

    public bool Final { get; private set; }

    public string? ExitReason { get; private set; }

    public DateTimeOffset MeasuredAt { get; private set; }

    /// <summary>Folds one sample in; <paramref name="gpus"/> is what the job occupies.</summary>
    public void Add(TelemetryRecord sample, double gpus)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var advanced = Samples == 0 ? sample.Step : sample.Step - Step;
        if (advanced > 0)
        {
            GpuHours += advanced * sample.StepSeconds * gpus / 3600;
        }

        Step = sample.Step;
        Tokens = sample.Tokens;
        Loss = sample.Loss;
        TokensPerSecond = sample.TokensPerSecond;
        StepSeconds = sample.StepSeconds;
        AchievedTflops = sample.AchievedTflops ?? AchievedTflops;
        Mfu = sample.Mfu ?? Mfu;
        PeakMemoryGiB = sample.PeakMemoryGiB is { } peak ? Math.Max(peak, PeakMemoryGiB ?? 0) : PeakMemoryGiB;
        LastCheckpointStep = sample.LastCheckpointStep ?? LastCheckpointStep;
        Device = sample.Device ?? Device;
        Final |= sample.Final;
        ExitReason = sample.ExitReason ?? ExitReason;
        MeasuredAt = sample.Timestamp;
        Samples++;
    }
}
