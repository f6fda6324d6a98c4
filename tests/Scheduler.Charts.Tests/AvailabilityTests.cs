using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

public sealed class AvailabilityTests(ChartTools tools)
{
    [Theory]
    [InlineData(ValueSet.Default, 1)]
    [InlineData(ValueSet.ExternalDb, 2)]
    public async Task Disruption_budget_keeps_a_replica_serving_during_drains(string valueSet, int minAvailable)
    {
        var chart = await tools.Renderer.RenderAsync(valueSet);
        var pdb = chart.Single("PodDisruptionBudget");

        Assert.Equal(minAvailable, pdb.Get<long>("spec.minAvailable"));
        Assert.Equal("AlwaysAllow", pdb.Get<string>("spec.unhealthyPodEvictionPolicy"));
        Assert.Equal(chart.Single("Deployment").At("spec.selector.matchLabels")!.ToJsonString(), pdb.At("spec.selector.matchLabels")!.ToJsonString());
    }

    [Fact]
    public async Task A_single_replica_gets_no_disruption_budget_that_would_block_every_drain()
    {
        var chart = await tools.Renderer.RenderAsync(ValueSet.HaOff);

        Assert.Empty(chart.OfKind("PodDisruptionBudget"));
    }

    [Fact]
    public async Task A_budget_as_large_as_the_replica_count_is_refused()
    {
        var error = await tools.Renderer.RenderFailureAsync(ValueSet.Default, "--set", "podDisruptionBudget.minAvailable=2");

        Assert.Contains("minAvailable must be below replicaCount", error, StringComparison.Ordinal);
    }
}
