using System.Text.Json.Serialization;

namespace Scheduler.Domain.Queues;

/// <summary>
/// A Kubernetes label selector over namespaces (<c>metav1.LabelSelector</c>): every <see cref="MatchLabels"/> pair and
/// every <see cref="MatchExpressions"/> requirement must hold. An empty selector (<c>{}</c>) selects every namespace.
/// </summary>
public sealed record NamespaceSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }

    public IReadOnlyList<LabelSelectorRequirement>? MatchExpressions { get; init; }
}

/// <summary>One requirement on a label: <c>In</c>/<c>NotIn</c> take values, <c>Exists</c>/<c>DoesNotExist</c> none.</summary>
public sealed record LabelSelectorRequirement
{
    public string? Key { get; init; }

    public LabelSelectorOperator? Operator { get; init; }

    public IReadOnlyList<string>? Values { get; init; }
}

/// <summary>Kubernetes' selector operators, spelled as Kubernetes spells them.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LabelSelectorOperator>))]
public enum LabelSelectorOperator
{
    In,
    NotIn,
    Exists,
    DoesNotExist,
}
