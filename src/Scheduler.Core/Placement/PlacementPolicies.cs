using Scheduler.Core.Placement.Policies;

namespace Scheduler.Core.Placement;

/// <summary>A placement policy as configuration, benchmarks and docs name it.</summary>
/// <param name="Name">The short name the benchmarks print (<c>policy=NAME</c>) and every reader accepts.</param>
/// <param name="Summary">One line for docs and help texts.</param>
/// <param name="ScoresFragmentation">Whether it scores against a distribution of task shapes (the cycle builds one from the pending jobs).</param>
public sealed record PlacementPolicyInfo(PlacementPolicy Policy, string Name, string Summary, bool ScoresFragmentation);

/// <summary>
/// The one list of placement policies: configuration (<c>Scheduler:Policy:Placement</c>), the benchmarks (<c>--policies</c>,
/// <c>policy=NAME</c> lines) and docs/scheduling.md read names from here. A name is accepted in any case, with or without dashes,
/// as the short <see cref="PlacementPolicyInfo.Name"/> or as the enum member's name (<c>fragmentation-aware</c>, <c>best-fit</c>).
/// </summary>
public static class PlacementPolicies
{
    public static IReadOnlyList<PlacementPolicyInfo> All { get; } =
    [
        new(PlacementPolicy.FragmentationAware, "default",
            "ours: least growth of expected GPU fragmentation for the workload's shapes over the next arrivals, then best fit; GPU-light pods to the least usable GPU left", true),
        new(PlacementPolicy.Fgd, "fgd", "the ATC '23 artifact's FGD (a baseline): sigmoid of the fragmentation growth, ties in a seeded node order", true),
        new(PlacementPolicy.BestFit, "bestfit", "the ATC '23 artifact's BestFit: least CPU and GPU left, in whole percent, ties in a seeded node order", false),
        new(PlacementPolicy.GpuPacking, "gpupacking", "partly used GPUs first, then partly used nodes, then idle nodes; then least GPU left", false),
        new(PlacementPolicy.Random, "random", "any feasible node, seeded", false),
    ];

    public static PlacementPolicyInfo Of(PlacementPolicy policy)
    {
        foreach (var info in All)
        {
            if (info.Policy == policy)
            {
                return info;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(policy), policy, "not a placement policy");
    }

    public static string NameOf(PlacementPolicy policy) => Of(policy).Name;

    /// <summary>Every accepted spelling, for error messages: the short names.</summary>
    public static string Names => string.Join(", ", All.Select(p => p.Name));

    public static bool TryParse(string? name, out PlacementPolicy policy)
    {
        var key = Normalise(name);
        foreach (var info in All)
        {
            if (key == info.Name || key == Normalise(info.Policy.ToString()))
            {
                policy = info.Policy;
                return true;
            }
        }

        policy = default;
        return false;
    }

    /// <exception cref="ArgumentException">The name is none of <see cref="Names"/>.</exception>
    public static PlacementPolicy Parse(string name) =>
        TryParse(name, out var policy) ? policy : throw new ArgumentException($"unknown placement policy '{name}' ({Names})", nameof(name));

    /// <summary>
    /// The scorer for <paramref name="policy"/>. A fragmentation-scoring policy without a shape distribution has nothing to score
    /// against and falls back to BestFit.
    /// </summary>
    internal static IPlacementPolicy Create(PlacementPolicy policy, ClusterState state, FragmentationModel? fragmentation) => policy switch
    {
        PlacementPolicy.FragmentationAware when fragmentation is not null =>
            new FragmentationAwarePolicy(state, fragmentation),
        PlacementPolicy.Fgd when fragmentation is not null => new FgdPolicy(new FragmentationScores(state, fragmentation)),
        PlacementPolicy.GpuPacking => new GpuPackingPolicy(state),
        PlacementPolicy.Random => new RandomPolicy(state),
        _ => new BestFitPolicy(state),
    };

    private static string Normalise(string? name) =>
        (name ?? string.Empty).Trim().Replace("-", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
}
