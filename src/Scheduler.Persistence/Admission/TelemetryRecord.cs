namespace Scheduler.Persistence.Admission;

/// <summary>One telemetry sample as the trainer posted it (SI units, memory in GiB), with when it arrived.</summary>
public sealed class TelemetryRecord
{
    public long Id { get; private set; }

    public required Guid JobId { get; init; }

    public required long Step { get; init; }

    public required long Tokens { get; init; }

    public required double Loss { get; init; }

    public required double TokensPerSecond { get; init; }

    public required double StepSeconds { get; init; }

    public double? AchievedTflops { get; init; }

    public double? Mfu { get; init; }

    public double? PeakMemoryGiB { get; init; }

    public long? LastCheckpointStep { get; init; }

    public required DateTimeOffset Timestamp { get; init; }

    public string? Device { get; init; }

    public int? WorldSize { get; init; }

    public bool Final { get; init; }

    public string? ExitReason { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }
}
