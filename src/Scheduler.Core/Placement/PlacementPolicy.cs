namespace Scheduler.Core.Placement;

/// <summary>How nodes and GPUs are chosen among those that fit.</summary>
public enum PlacementPolicy
{
    /// <summary>Ours (the default): least expected growth of GPU fragmentation for the workload's shapes, then best fit.</summary>
    FragmentationAware,

    /// <summary>Least CPU and GPU left free on the node (the ATC '23 artifact's BestFit).</summary>
    BestFit,

    /// <summary>Partly used GPUs first, then partly used nodes, then idle nodes.</summary>
    GpuPacking,

    /// <summary>Any node that fits, uniformly at random (seeded).</summary>
    Random,
}
