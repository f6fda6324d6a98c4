using System.Text.Json;

namespace Scheduler.Domain.Workloads;

/// <summary>
/// The body of <c>POST /api/v1/jobs/{id}/telemetry</c> (docs/trainer.md), one record for the trainer that sends it, the
/// simulated kubelet that imitates it and the API that binds it: SI units, memory in GiB. <see cref="Step"/>,
/// <see cref="Tokens"/>, <see cref="Loss"/>, <see cref="TokensPerSecond"/>, <see cref="StepSeconds"/> and <see cref="Timestamp"/>
/// are required (the API names a missing one); the rest is optional (the simulated kubelet sends only the required ones and
/// <see cref="LastCheckpointStep"/>). Nullable throughout so that the API can tell a missing field from a zero.
/// </summary>
public sealed record TelemetrySample
{
    /// <summary>The wire format: camelCase JSON (the web defaults), as senders serialise it and the API binds it.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public long? Step { get; init; }

    public long? Tokens { get; init; }

    public double? Loss { get; init; }

    public double? TokensPerSecond { get; init; }

    public double? StepSeconds { get; init; }

    /// <summary>The whole job's achieved TFLOP/s, as the trainer counts them.</summary>
    public double? AchievedTflops { get; init; }

    /// <summary><see cref="AchievedTflops"/> divided by the GPUs' summed bf16 peak from the catalog.</summary>
    public double? Mfu { get; init; }

    public double? PeakMemoryGiB { get; init; }

    public long? LastCheckpointStep { get; init; }

    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>The trainer's backend: <c>cuda</c>; <c>cpu</c> and <c>ilgpu-cpu</c> runs are never used for calibration.</summary>
    public string? Device { get; init; }

    public int? WorldSize { get; init; }

    /// <summary>True on the sample sent at exit.</summary>
    public bool? Final { get; init; }

    /// <summary>Why the trainer exited, on the final sample: <see cref="FinishedExitReason"/>, or <c>preempted</c> when it was stopped early.</summary>
    public string? ExitReason { get; init; }

    public const string FinishedExitReason = "finished";

    public const string PreemptedExitReason = "preempted";

    /// <summary>True for a GPU backend: a device named and not a CPU one (<c>cpu</c>, <c>ilgpu-cpu</c>).</summary>
    public static bool IsGpuDevice(string? device) => device is not null && !device.EndsWith("cpu", StringComparison.Ordinal);
}
