using System.Text.Json.Nodes;

namespace Scheduler.Simulation.ApiServer;

/// <summary>
/// Label selectors (equality <c>a=b</c>, <c>a!=b</c>, set-based <c>a in (x,y)</c>, <c>a notin (x)</c>, <c>a</c>, <c>!a</c>)
/// and field selectors (<c>path=value</c>, <c>path!=value</c> on any dotted path: <c>spec.nodeName</c>, <c>metadata.name</c>,
/// <c>involvedObject.uid</c>). A selector that cannot be parsed is a 400.
/// </summary>
internal sealed class Selector
{
    private readonly List<Func<JsonObject, bool>> _requirements;
    private readonly List<(bool IsLabel, string Key, string Value)> _equalities;

    private Selector(List<Func<JsonObject, bool>> requirements, List<(bool IsLabel, string Key, string Value)>? equalities = null)
    {
        _requirements = requirements;
        _equalities = equalities ?? [];
    }

    public static Selector Everything { get; } = new([]);

    /// <summary>The equality requirements (<c>label=value</c>, <c>field.path=value</c>): what the store's indexes can answer.</summary>
    public IReadOnlyList<(bool IsLabel, string Key, string Value)> Equalities => _equalities;

    public bool Matches(JsonObject obj)
    {
        // A loop, not TrueForAll with a lambda: every list and every watch event asks this of each object.
        foreach (var requirement in _requirements)
        {
            if (!requirement(obj))
            {
                return false;
            }
        }

        return true;
    }

    public static Selector Combine(Selector labels, Selector fields) =>
        new([.. labels._requirements, .. fields._requirements], [.. labels._equalities, .. fields._equalities]);

    public static Selector ParseLabels(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Func<JsonObject, bool>>();
        var equalities = new List<(bool, string, string)>();
        foreach (var part in SplitTopLevel(text))
        {
            var requirement = part.Trim();
            requirements.Add(ParseLabelRequirement(requirement));
            if (!requirement.Contains(' ', StringComparison.Ordinal) && SplitComparison(requirement) is (var key, var value, false))
            {
                equalities.Add((true, key, value));
            }
        }

        return new Selector(requirements, equalities);
    }

    public static Selector ParseFields(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Everything;
        }

        var requirements = new List<Func<JsonObject, bool>>();
        var equalities = new List<(bool, string, string)>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var (path, value, negate) = SplitComparison(raw) ?? throw ApiError.BadRequest($"invalid field selector: '{raw}'");
            requirements.Add(obj => (JsonPaths.StringAt(obj, path) ?? string.Empty) == value != negate);
            if (!negate)
            {
                equalities.Add((false, path, value));
            }
        }

        return new Selector(requirements, equalities);
    }

    private static Func<JsonObject, bool> ParseLabelRequirement(string part)
    {
        var words = part.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (words.Length >= 2 && (words[1] == "in" || words[1] == "notin"))
        {
            var open = part.IndexOf('(', StringComparison.Ordinal);
            var close = part.LastIndexOf(')');
            if (open < 0 || close < open)
            {
                throw ApiError.BadRequest($"unable to parse requirement: '{part}'");
            }

            var key = words[0];
            var values = part[(open + 1)..close].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
            return words[1] == "in"
                ? obj => Label(obj, key) is { } v && values.Contains(v)
                : obj => Label(obj, key) is not { } v || !values.Contains(v);
        }

        if (SplitComparison(part) is var (labelKey, value, negate))
        {
            return negate ? obj => Label(obj, labelKey) != value : obj => Label(obj, labelKey) == value;
        }

        if (part.StartsWith('!'))
        {
            var key = part[1..].Trim();
            return obj => Label(obj, key) is null;
        }

        if (part.Length == 0 || part.Any(char.IsWhiteSpace))
        {
            throw ApiError.BadRequest($"unable to parse requirement: '{part}'");
        }

        return obj => Label(obj, part) is not null;
    }

    private static (string Key, string Value, bool Negate)? SplitComparison(string text)
    {
        var neq = text.IndexOf("!=", StringComparison.Ordinal);
        if (neq > 0)
        {
            return (text[..neq].Trim(), text[(neq + 2)..].Trim(), true);
        }

        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            return null;
        }

        var valueStart = eq + 1 < text.Length && text[eq + 1] == '=' ? eq + 2 : eq + 1;
        return (text[..eq].Trim(), text[valueStart..].Trim(), false);
    }

    private static string? Label(JsonObject obj, string key) =>
        obj["metadata"]?["labels"] is JsonObject labels && labels[key] is JsonValue v ? v.ToString() : null;

    /// <summary>Splits on commas outside parentheses (<c>a in (x,y),b=c</c>).</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            if (text[i] == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }
}
