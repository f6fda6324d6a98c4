namespace Scheduler.Domain.Specs;

public sealed record CheckpointSpec
{
    /// <summary>Optimizer steps between checkpoints (default 500). The trainer also checkpoints on SIGTERM.</summary>
    public int? IntervalSteps { get; init; }

    /// <summary>A PersistentVolumeClaim for checkpoints; without one they go to an emptyDir that survives container restarts only.</summary>
    public string? Volume { get; init; }
}
