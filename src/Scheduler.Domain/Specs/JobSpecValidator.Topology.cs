using FluentValidation;

namespace Scheduler.Domain.Specs;

public sealed partial class JobSpecValidator
{
    /// <summary>
    /// <c>topology.level</c> is required when <c>topology</c> is given; a job names its domain either by level or by a raw
    /// <c>resources.topologyKey</c>, not both (two constraints that may disagree).
    /// </summary>
    private void TopologyRules()
    {
        RuleFor(s => s.Topology!.Level).NotNull().When(s => s.Topology is not null)
            .WithMessage("is required: one of node, clique, rack, block, zone");
        RuleFor(s => s.Topology).Must(t => t is null).When(s => s.Resources?.TopologyKey is not null)
            .WithMessage("must not be given with resources.topologyKey: name the domain by level or by label key, not both");
    }
}
