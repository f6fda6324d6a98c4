using Scheduler.Persistence.Admission;

namespace Scheduler.Application.Admission;

/// <summary>
/// What a job's telemetry measured last: step, tokens, loss, throughput, step time, achieved TFLOP/s and MFU as the
/// trainer counted them, the highest peak memory per GPU seen, and the GPU-hours its steps took so far.
/// </summary>
public sealed record MeasuredProgress(
    long Step,
    long Tokens,
    double Loss,
    double TokensPerSecond,
    double StepSeconds,
    double? AchievedTflops,
    double? Mfu,
    double? PeakMemoryGiB,
    long? LastCheckpointStep,
    string? Device,
    double GpuHours,
    int Samples,
    bool Final,
    string? ExitReason,
    DateTimeOffset MeasuredAt)
{
    internal static MeasuredProgress From(JobMeasurement m)
    {
        ArgumentNullException.ThrowIfNull(m);
        return new(m.Step, m.Tokens, m.Loss, m.TokensPerSecond, m.StepSeconds, m.AchievedTflops, m.Mfu, m.PeakMemoryGiB,
            m.LastCheckpointStep, m.Device, m.GpuHours, m.Samples, m.Final, m.ExitReason, m.MeasuredAt);
    }
}
