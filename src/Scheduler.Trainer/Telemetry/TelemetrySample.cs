namespace Scheduler.Trainer.Telemetry;

/// <summary>
/// The body of <c>POST /api/v1/jobs/{id}/telemetry</c> (DESIGN.md): SI units, memory in GiB. <see cref="AchievedTflops"/>
/// is the whole job's; <see cref="Mfu"/> divides it by the GPUs' summed bf16 peak from the catalog.
/// </summary>
internal sealed record TelemetrySample(
    long Step,
    long Tokens,
    double Loss,
    double TokensPerSecond,
    double StepSeconds,
    double AchievedTflops,
    double Mfu,
    double PeakMemoryGiB,
    long? LastCheckpointStep,
    DateTimeOffset Timestamp,
    string Device,
    int WorldSize,
    bool Final = false,
    string? ExitReason = null);

/// <summary>Where telemetry goes; reporting never blocks or fails training.</summary>
internal interface ITelemetrySink : IAsyncDisposable
{
    void Report(TelemetrySample sample);
}
