using Scheduler.Domain.Catalog;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Domain.Tests.Specs;

public sealed class TopologySpecTests
{
    private readonly JobSpecValidator _validator = new(GpuCatalog.Default, PriorityClasses.Default);

    [Fact]
    public void Parses_level_and_mode_by_their_wire_names()
    {
        var (spec, error) = JobSpecJson.Parse("""{"topology":{"level":"rack","mode":"preferred"}}""");

        Assert.Null(error);
        Assert.Equal(new TopologySpec { Level = TopologyLevel.Rack, Mode = TopologyMode.Preferred }, spec!.Topology);
    }

    [Theory]
    [InlineData("""{"topology":{"level":"pod"}}""", "topology.level")]
    [InlineData("""{"topology":{"level":"rack","mode":"always"}}""", "topology.mode")]
    [InlineData("""{"topology":{"level":"rack","spread":true}}""", "topology.spread")]
    public void An_unknown_level_mode_or_member_names_the_field(string json, string field)
    {
        var (_, error) = JobSpecJson.Parse(json);

        Assert.Equal(field, error?.Field);
    }

    [Fact]
    public void A_topology_without_a_level_is_refused_naming_topology_level()
    {
        var errors = _validator.Check(AJob().Build() with { Topology = new TopologySpec { Mode = TopologyMode.Required } });

        Assert.Contains(errors, e => e.Field == "topology.level");
    }

    [Fact]
    public void A_topology_level_and_a_raw_topology_key_together_are_refused()
    {
        var spec = AJob().Build();
        var errors = _validator.Check(spec with
        {
            Topology = new TopologySpec { Level = TopologyLevel.Rack },
            Resources = spec.Resources! with { TopologyKey = "rack" },
        });

        Assert.Contains(errors, e => e.Field == "topology");
    }

    [Theory]
    [InlineData(TopologyLevel.Node)]
    [InlineData(TopologyLevel.Clique)]
    [InlineData(TopologyLevel.Rack)]
    [InlineData(TopologyLevel.Block)]
    [InlineData(TopologyLevel.Zone)]
    public void Every_level_is_accepted_and_the_mode_defaults_to_required(TopologyLevel level)
    {
        var spec = AJob().Build() with { Topology = new TopologySpec { Level = level } };

        Assert.Empty(_validator.Check(spec));
        Assert.Equal(TopologyMode.Required, JobSpecNormalizer.Normalize(spec).Topology!.Mode);
    }
}
