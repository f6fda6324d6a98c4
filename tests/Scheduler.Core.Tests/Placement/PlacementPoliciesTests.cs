using Scheduler.Core.Placement;
using Scheduler.Testing;

namespace Scheduler.Core.Tests.Placement;

public sealed class PlacementPoliciesTests
{
    [Fact]
    public void Lists_every_policy_once_with_a_unique_name()
    {
        Assert.Equal(Enum.GetValues<PlacementPolicy>().Order(), PlacementPolicies.All.Select(p => p.Policy).Order());
        Assert.Equal(PlacementPolicies.All.Count, PlacementPolicies.All.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Theory]
    [InlineData("default", PlacementPolicy.FragmentationAware)]
    [InlineData("fragmentation-aware", PlacementPolicy.FragmentationAware)]
    [InlineData("FragmentationAware", PlacementPolicy.FragmentationAware)]
    [InlineData("fgd", PlacementPolicy.Fgd)]
    [InlineData("best-fit", PlacementPolicy.BestFit)]
    [InlineData("BestFit", PlacementPolicy.BestFit)]
    [InlineData("gpu-packing", PlacementPolicy.GpuPacking)]
    [InlineData(" Random ", PlacementPolicy.Random)]
    public void Accepts_the_short_name_and_the_configuration_spellings(string name, PlacementPolicy expected)
    {
        Assert.True(PlacementPolicies.TryParse(name, out var policy));
        Assert.Equal(expected, policy);
    }

    [Theory]
    [InlineData("")]
    [InlineData("worstfit")]
    [InlineData(null)]
    public void Rejects_other_names_listing_the_known_ones(string? name)
    {
        Assert.False(PlacementPolicies.TryParse(name, out _));
        var error = Assert.Throws<ArgumentException>(() => PlacementPolicies.Parse(name!));
        Assert.Contains("default, fgd, bestfit, gpupacking, random", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_scheduling_doc_describes_every_policy_by_its_name()
    {
        var doc = File.ReadAllText(RepositoryRoot.In("docs", "scheduling.md"));

        Assert.All(PlacementPolicies.All, p => Assert.Contains($"`{p.Name}`", doc, StringComparison.Ordinal));
    }
}
