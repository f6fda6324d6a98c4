namespace Scheduler.Core.Placement;

/// <summary>How nodes and GPUs are chosen among those that fit.</summary>
public enum PlacementPolicy
{
    /// <summary>
    /// Ours (the default): least expected growth of GPU fragmentation for the workload's shapes; then best fit for whole-GPU pods, and
    /// the node with the least usable GPU left for CPU-only and shared-GPU pods.
    /// </summary>
    FragmentationAware,

    /// <summary>Least CPU and GPU left free on the node (the ATC '23 artifact's BestFit), ties by a seeded node order as in the artifact.</summary>
    BestFit,

    /// <summary>Partly used GPUs first, then partly used nodes, then idle nodes.</summary>
    GpuPacking,

    /// <summary>Any node that fits, uniformly at random (seeded).</summary>
    Random,

    /// <summary>
    /// FGD as the ATC '23 artifact scores it (a baseline): the fragmentation growth for the workload's typical shapes, mapped through
    /// a sigmoid to a whole 0–100 score, ties by a seeded node order as in the artifact.
    /// </summary>
    Fgd,
}
