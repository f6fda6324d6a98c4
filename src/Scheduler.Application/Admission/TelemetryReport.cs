namespace Scheduler.Application.Admission;

/// <summary>
/// The body of <c>POST /api/v1/jobs/{id}/telemetry</c>, as the bundled trainer posts it (docs/trainer.md): SI units,
/// memory in GiB. <c>step</c>, <c>tokens</c>, <c>loss</c>, <c>tokensPerSecond</c>, <c>stepSeconds</c> and
/// <c>timestamp</c> are required; the rest is optional (the simulated cluster sends only the required ones and
/// <c>lastCheckpointStep</c>). <c>achievedTflops</c> and <c>mfu</c> are the trainer's own counts, stored as sent.
/// </summary>
public sealed record TelemetryReport
{
    public long? Step { get; init; }

    public long? Tokens { get; init; }

    public double? Loss { get; init; }

    public double? TokensPerSecond { get; init; }

    public double? StepSeconds { get; init; }

    public double? AchievedTflops { get; init; }

    public double? Mfu { get; init; }

    public double? PeakMemoryGiB { get; init; }

    public long? LastCheckpointStep { get; init; }

    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The trainer's backend: <c>cuda</c>; <c>cpu</c> and <c>ilgpu-cpu</c> runs are never used for calibration.</summary>
    public string? Device { get; init; }

    public int? WorldSize { get; init; }

    /// <summary>True on the sample sent at exit.</summary>
    public bool? Final { get; init; }

    /// <summary>Why the trainer exited, on the final sample: <c>finished</c>, or <c>preempted</c> when it was stopped early.</summary>
    public string? ExitReason { get; init; }

    /// <summary>True for a GPU backend: a device named and not a CPU one (<c>cpu</c>, <c>ilgpu-cpu</c>).</summary>
    public static bool IsGpuDevice(string? device) => device is not null && !device.EndsWith("cpu", StringComparison.Ordinal);
}
