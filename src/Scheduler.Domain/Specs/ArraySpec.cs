namespace Scheduler.Domain.Specs;

/// <summary>
/// An array job (Slurm's <c>--array=0-(count−1)%parallelism</c>): <see cref="Count"/> tasks sharing the spec, task <c>i</c>
/// named <c>&lt;name&gt;-i</c> with <c>SCHEDULER_ARRAY_INDEX=i</c>, at most <see cref="Parallelism"/> of them holding GPUs at once.
/// </summary>
public sealed record ArraySpec
{
    /// <summary>Tasks, 1 to <see cref="JobSpecLimits.MaxArrayTasks"/>; indices 0 to count − 1.</summary>
    public int? Count { get; init; }

    /// <summary>Tasks admitted or running at once, 1 to <see cref="Count"/>; defaults to <see cref="Count"/>.</summary>
    public int? Parallelism { get; init; }
}
