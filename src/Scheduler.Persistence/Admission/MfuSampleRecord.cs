namespace Scheduler.Persistence.Admission;

/// <summary>The MFU one finished GPU job reached (the estimator's FLOP count over its measured throughput), input of calibration.</summary>
public sealed class MfuSampleRecord
{
    /// <summary>The primary key's name: one sample per job, so a duplicate final sample collides on it.</summary>
    public const string KeyName = "pk_mfu_samples";

    public MfuSampleRecord(Guid jobId, string gpuType, double parameters, double mfu, double tokensPerSecond, DateTimeOffset recordedAt)
    {
        JobId = jobId;
        GpuType = gpuType;
        Parameters = parameters;
        Mfu = mfu;
        TokensPerSecond = tokensPerSecond;
        RecordedAt = recordedAt;
    }

    public Guid JobId { get; private set; }

    public string GpuType { get; private set; }

    public double Parameters { get; private set; }

    public double Mfu { get; private set; }

    public double TokensPerSecond { get; private set; }

    public DateTimeOffset RecordedAt { get; private set; }
}
