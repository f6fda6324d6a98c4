using System.Text.RegularExpressions;
using Scheduler.Domain.Specs;
using Scheduler.Domain.Validation;

namespace Scheduler.Domain.Queues;

/// <summary>
/// Which namespaces' TrainingJobs may use a queue (Kueue's ClusterQueue <c>namespaceSelector</c>, plus a plain list):
/// a namespace named in <see cref="QueueSpec.Namespaces"/> or matched by <see cref="QueueSpec.NamespaceSelector"/>.
/// With both unset no namespace may (Kueue's nil selector): on a shared cluster a queue is opened to namespaces on
/// purpose, never by default. <c>namespaceSelector: {}</c> opens it to every namespace.
/// </summary>
public static partial class QueueNamespaces
{
    /// <summary>The label Kubernetes (1.21+) puts on every namespace: its own name.</summary>
    public const string NameLabel = "kubernetes.io/metadata.name";

    public const int MaxNamespaces = 1000;
    public const int MaxSelectorTerms = 100;
    public const int MaxValues = 100;

    private const int DescribedNames = 10;

    /// <summary>Whether the list admits <paramref name="ns"/> by name, so its labels need not be read.</summary>
    public static bool AdmitsByName(QueueSpec spec, string ns)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Namespaces?.Contains(ns, StringComparer.Ordinal) == true;
    }

    /// <summary>Whether the queue admits TrainingJobs of namespace <paramref name="ns"/>, whose labels are <paramref name="labels"/>.</summary>
    public static bool Admits(QueueSpec spec, string ns, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(labels);
        return AdmitsByName(spec, ns) || (spec.NamespaceSelector is { } selector && Matches(selector, labels));
    }

    /// <summary>Kubernetes' label-selector semantics: every matchLabels pair and every expression must hold.</summary>
    public static bool Matches(NamespaceSelector selector, IReadOnlyDictionary<string, string> labels)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(labels);
        return (selector.MatchLabels ?? new Dictionary<string, string>()).All(p => labels.TryGetValue(p.Key, out var value) && value == p.Value)
            && (selector.MatchExpressions ?? []).All(r => Holds(r, labels));
    }

    /// <summary>A sentence for a person: which namespaces the queue admits.</summary>
    public static string Describe(QueueSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = new List<string>();
        if (spec.Namespaces is { Count: > 0 } names)
        {
            // A status message, not a listing: a long list is cut (conditions and events have length limits).
            parts.Add("namespaces " + string.Join(", ", names.Take(DescribedNames)) + (names.Count > DescribedNames ? $" and {names.Count - DescribedNames} more" : ""));
        }

        if (spec.NamespaceSelector is { } selector)
        {
            parts.Add("namespaceSelector " + DescribeSelector(selector));
        }

        return parts.Count == 0 ? "no namespace (neither namespaces nor namespaceSelector is set)" : string.Join(" or ", parts);
    }

    /// <summary>The rules of <c>namespaces</c> and <c>namespaceSelector</c>, with fields named as the queue body names them.</summary>
    public static IEnumerable<FieldError> Check(QueueSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Namespaces is { } names)
        {
            if (names.Count > MaxNamespaces)
            {
                yield return new FieldError("namespaces", $"must list at most {MaxNamespaces} namespaces; use namespaceSelector for more");
            }

            for (var i = 0; i < names.Count; i++)
            {
                if (!JobSpecValidator.IsDnsLabel(names[i]))
                {
                    yield return new FieldError($"namespaces[{i}]", "must be a namespace name: a DNS-1123 label of at most 63 lower-case letters, digits and '-'");
                }
            }
        }

        if (spec.NamespaceSelector is not { } selector)
        {
            yield break;
        }

        var labels = selector.MatchLabels ?? new Dictionary<string, string>();
        var expressions = selector.MatchExpressions ?? [];
        if (labels.Count + expressions.Count > MaxSelectorTerms)
        {
            yield return new FieldError("namespaceSelector", $"must have at most {MaxSelectorTerms} matchLabels and matchExpressions together");
        }

        foreach (var (key, value) in labels)
        {
            if (!IsLabelKey(key))
            {
                yield return new FieldError($"namespaceSelector.matchLabels.{key}", LabelKeyRule);
            }
            else if (!IsLabelValue(value))
            {
                yield return new FieldError($"namespaceSelector.matchLabels.{key}", LabelValueRule);
            }
        }

        for (var i = 0; i < expressions.Count; i++)
        {
            foreach (var error in CheckRequirement($"namespaceSelector.matchExpressions[{i}]", expressions[i]))
            {
                yield return error;
            }
        }
    }

    private const string LabelKeyRule =
        "must be a label key: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    private const string LabelValueRule = "must be a label value: empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    private static IEnumerable<FieldError> CheckRequirement(string path, LabelSelectorRequirement? requirement)
    {
        if (requirement is null)
        {
            yield return new FieldError(path, "must be a requirement: { key, operator, values }");
            yield break;
        }

        if (requirement.Key is null)
        {
            yield return new FieldError(path + ".key", "is required");
        }
        else if (!IsLabelKey(requirement.Key))
        {
            yield return new FieldError(path + ".key", LabelKeyRule);
        }

        var values = requirement.Values ?? [];
        switch (requirement.Operator)
        {
            case null:
                yield return new FieldError(path + ".operator", "is required: In, NotIn, Exists or DoesNotExist");
                break;
            case LabelSelectorOperator.In or LabelSelectorOperator.NotIn when values.Count == 0:
                yield return new FieldError(path + ".values", $"must not be empty with operator {requirement.Operator}");
                break;
            case LabelSelectorOperator.Exists or LabelSelectorOperator.DoesNotExist when values.Count > 0:
                yield return new FieldError(path + ".values", $"must be empty with operator {requirement.Operator}");
                break;
        }

        if (values.Count > MaxValues)
        {
            yield return new FieldError(path + ".values", $"must have at most {MaxValues} values");
        }

        for (var i = 0; i < values.Count; i++)
        {
            if (!IsLabelValue(values[i]))
            {
                yield return new FieldError($"{path}.values[{i}]", LabelValueRule);
            }
        }
    }

    private static bool Holds(LabelSelectorRequirement requirement, IReadOnlyDictionary<string, string> labels)
    {
        var present = labels.TryGetValue(requirement.Key ?? string.Empty, out var value);
        var values = requirement.Values ?? [];
        return requirement.Operator switch
        {
            LabelSelectorOperator.In => present && values.Contains(value, StringComparer.Ordinal),
            LabelSelectorOperator.NotIn => !present || !values.Contains(value, StringComparer.Ordinal),
            LabelSelectorOperator.Exists => present,
            LabelSelectorOperator.DoesNotExist => !present,
            _ => false, // refused by Check; a stored spec never has one
        };
    }

    private static string DescribeSelector(NamespaceSelector selector)
    {
        var terms = (selector.MatchLabels ?? new Dictionary<string, string>()).Select(p => $"{p.Key}={p.Value}")
            .Concat((selector.MatchExpressions ?? []).Select(r => r.Operator switch
            {
                LabelSelectorOperator.Exists => r.Key!,
                LabelSelectorOperator.DoesNotExist => "!" + r.Key,
                _ => $"{r.Key} {(r.Operator == LabelSelectorOperator.In ? "in" : "notin")} ({string.Join(",", r.Values ?? [])})",
            }))
            .ToList();
        return terms.Count == 0 ? "{} (every namespace)" : string.Join(",", terms);
    }

    private static bool IsLabelKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var (prefix, name) = slash < 0 ? (null, key) : (key[..slash], key[(slash + 1)..]);
        return (prefix is null || (prefix.Length is > 0 and <= 253 && DnsSubdomain().IsMatch(prefix))) && name.Length is > 0 and <= 63 && LabelName().IsMatch(name);
    }

    private static bool IsLabelValue(string? value) => value is not null && (value.Length == 0 || (value.Length <= 63 && LabelName().IsMatch(value)));

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsSubdomain();
}
