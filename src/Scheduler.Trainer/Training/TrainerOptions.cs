namespace Scheduler.Trainer.Training;

/// <summary>The command line merged with the pod's environment (DESIGN.md's pod ↔ trainer contract).</summary>
internal sealed record TrainerOptions
{
    public required string SpecPath { get; init; }

    public required string CheckpointDirectory { get; init; }

    /// <summary>Stop when the global step reaches this total.</summary>
    public long? MaxSteps { get; init; }

    public string Device { get; init; } = "cpu";

    public string? TelemetryUrl { get; init; }

    public string? JobId { get; init; }

    /// <summary>The attempt's own credential, sent as the bearer token of every telemetry post (<c>SCHEDULER_TELEMETRY_TOKEN</c>).</summary>
    public string? TelemetryToken { get; init; }

    public int TelemetryEverySteps { get; init; } = 10;

    public int WorldSize { get; init; } = 1;

    public int Rank { get; init; }

    public string MasterAddress { get; init; } = "127.0.0.1";

    public int MasterPort { get; init; } = 29500;
}
