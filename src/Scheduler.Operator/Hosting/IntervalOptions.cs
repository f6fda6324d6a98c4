namespace Scheduler.Operator.Hosting;

/// <summary>Configuration section <c>Scheduler:Intervals</c> (the operator reads <see cref="SchedulingCycle"/>).</summary>
public sealed class IntervalOptions
{
    public const string Section = "Scheduler:Intervals";

    /// <summary>The Quartz trigger of the scheduling cycle; watch events also start one at once (debounced).</summary>
    public TimeSpan SchedulingCycle { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a watch-triggered cycle waits for more events, so a burst of pod updates makes one cycle.</summary>
    public TimeSpan CycleDebounce { get; set; } = TimeSpan.FromMilliseconds(100);
}
