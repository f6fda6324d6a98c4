namespace Scheduler.Core.Placement.Policies;

/// <summary>
/// How far the default policy looks ahead when it scores a shared pod and chooses its GPU: a fixed number of <em>sharing</em>
/// arrivals, which is <see cref="SharingArrivals"/> ÷ (share of the workload's GPU shapes that share a GPU) arrivals of any shape.
/// A hole on a partly used GPU can only ever be filled by a share, so how soon it is filled depends on how often shares arrive:
/// where every GPU task shares (gen_gpushare100) that is 3.5 arrivals, where over half do (gpushare40) about 6, where two in five
/// do (default, the multi-GPU traces) 8–9. A fixed count of arrivals of any shape (the previous K = 4) was right for the first and
/// too short for the others: measured, a fixed K = 5–8 gained up to 0.17 point on gpushare40 and lost 0.4–0.8 on gen_gpushare100.
/// The workload's shapes are the policy's live input (the cycle builds them from the pending jobs), so the horizon follows the mix.
/// </summary>
internal static class SharedLookAhead
{
    /// <summary>
    /// Sharing arrivals looked ahead. Chosen on seeds 0–2 of five traces (3, 3.25 and 3.5 within 0.05 point of each other on each),
    /// checked on seeds 3–9 and on seven traces not looked at (docs/benchmarks/scheduler.md, "Issue 19").
    /// </summary>
    public const double SharingArrivals = 3.5;

    /// <summary>
    /// At most this many arrivals of any shape: a guard for workloads where shares are rare (a few shares among thousands of whole-GPU
    /// tasks would otherwise look hundreds of arrivals ahead and count no hole that any share fits); not tuned, above every trace's value.
    /// </summary>
    public const double MaxArrivals = 16;

    /// <summary>The look-ahead, in arrivals of any shape, for shared pods under <paramref name="fragmentation"/>'s shape mix.</summary>
    public static double Horizon(FragmentationModel fragmentation) =>
        fragmentation.SharedWeight <= SharingArrivals / MaxArrivals
            ? MaxArrivals
            : Math.Max(1, SharingArrivals / fragmentation.SharedWeight);
}
