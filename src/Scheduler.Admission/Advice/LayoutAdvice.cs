namespace Scheduler.Admission.Advice;

/// <summary>
/// The cheapest and the fastest feasible layouts the advisor found for a spec (docs/admission.md, "Layout advisor").
/// </summary>
/// <param name="Submitted">The submitted layout as priced, for comparison (it may not fit).</param>
/// <param name="CheapestGpuHours">Feasible layouts with the fewest predicted GPU-hours, best first.</param>
/// <param name="FastestWallTime">Feasible layouts with the shortest predicted wall time, best first.</param>
/// <param name="LayoutsConsidered">Layouts whose memory was priced.</param>
/// <param name="LayoutsFeasible">Of those, how many fit.</param>
/// <param name="Summary">One line for people: the best saving, or why nothing fits.</param>
public sealed record LayoutAdvice(
    LayoutOption Submitted,
    IReadOnlyList<LayoutOption> CheapestGpuHours,
    IReadOnlyList<LayoutOption> FastestWallTime,
    int LayoutsConsidered,
    int LayoutsFeasible,
    string Summary);

/// <summary>
/// One layout: the spec fields that differ from the submitted spec (JSON paths → new values), its memory per GPU and
/// its predicted cost, and the saving against the submitted layout in words.
/// </summary>
public sealed record LayoutOption(
    string Description,
    IReadOnlyDictionary<string, string> Changes,
    string GpuType,
    int Gpus,
    double MemoryPerGpuGiB,
    bool Fits,
    double StepSeconds,
    double BubbleFraction,
    double WallHours,
    double GpuHours,
    string Saving);

/// <summary>Which layouts the advisor may propose.</summary>
public enum LayoutScope
{
    /// <summary>Every layout the estimator prices: data, tensor, context, pipeline and expert degrees, ZeRO, recomputation, schedules.</summary>
    Any,

    /// <summary>
    /// What the bundled trainer runs (docs/trainer.md): data parallelism only, ZeRO 0, the submitted recomputation (the
    /// trainer ignores it, so advising more would promise memory it does not save); GPU type, GPU count and micro-batch vary.
    /// </summary>
    DataParallel,
}
