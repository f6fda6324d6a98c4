using System.Globalization;

namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>
/// A series selector found in an expression: the metric, the label names its matchers use, and the innermost
/// aggregation around it (null when none).
/// </summary>
internal sealed record SelectorUse(string Metric, IReadOnlyList<string> Labels, AggregationUse? Enclosing = null);

/// <summary>An aggregation: its operator (<c>sum</c>, <c>max</c>, …) and its <c>by</c> or <c>without</c> clause (null when none).</summary>
internal sealed record AggregationUse(string Operator, string? Modifier, IReadOnlyList<string> Labels);

/// <summary>What an expression refers to: its selectors and the labels of its by/without/on/ignoring/group clauses.</summary>
internal sealed record PromQlReferences(IReadOnlyList<SelectorUse> Selectors, IReadOnlyList<string> GroupingLabels);

/// <summary>
/// A recursive-descent parser for the PromQL that dashboards use (selectors, ranges, offsets, subqueries, functions,
/// aggregations with by/without, binary operators with bool/on/ignoring/group_left/group_right, numbers, strings, Grafana
/// <c>$variables</c> in place of durations). It throws <see cref="FormatException"/> with the position on a syntax error.
/// </summary>
internal sealed class PromQl
{
    private static readonly HashSet<string> Aggregations =
        ["sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values", "bottomk", "topk", "quantile", "limitk", "limit_ratio"];

    private static readonly HashSet<string> Functions =
    [
        "abs", "absent", "absent_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "day_of_month", "day_of_week",
        "day_of_year", "days_in_month", "delta", "deriv", "exp", "floor", "histogram_avg", "histogram_count", "histogram_fraction",
        "histogram_quantile", "histogram_sum", "holt_winters", "hour", "idelta", "increase", "irate", "label_join", "label_replace",
        "ln", "log2", "log10", "minute", "month", "predict_linear", "rate", "resets", "round", "scalar", "sgn", "sort", "sort_desc",
        "sqrt", "time", "timestamp", "vector", "year", "avg_over_time", "min_over_time", "max_over_time", "sum_over_time",
        "count_over_time", "quantile_over_time", "stddev_over_time", "stdvar_over_time", "last_over_time", "present_over_time",
    ];

    private static readonly string[] BinaryOperators = ["==", "!=", ">=", "<=", "+", "-", "*", "/", "%", "^", ">", "<"];
    private static readonly HashSet<string> SetOperators = ["and", "or", "unless"];

    private readonly string _text;
    private readonly List<SelectorUse> _selectors = [];
    private readonly List<string> _grouping = [];
    private int _at;

    private PromQl(string text) => _text = text;

    public static PromQlReferences Parse(string expression)
    {
        var parser = new PromQl(expression);
        parser.Expression();
        parser.SkipSpace();
        if (parser._at != expression.Length)
        {
            throw parser.Error("unexpected text");
        }

        return new PromQlReferences(parser._selectors, parser._grouping);
    }

    private void Expression()
    {
        Unary();
        while (true)
        {
            SkipSpace();
            var op = BinaryOperators.FirstOrDefault(o => string.CompareOrdinal(_text, _at, o, 0, o.Length) == 0);
            string? word = null;
            if (op is null && PeekIdentifier() is { } w && SetOperators.Contains(w))
            {
                word = w;
            }

            if (op is null && word is null)
            {
                return;
            }

            _at += (op ?? word)!.Length;
            if (PeekIdentifier() == "bool")
            {
                Identifier();
            }

            if (PeekIdentifier() is "on" or "ignoring")
            {
                Identifier();
                LabelList();
                if (PeekIdentifier() is "group_left" or "group_right")
                {
                    Identifier();
                    SkipSpace();
                    if (Peek() == '(')
                    {
                        LabelList();
                    }
                }
            }

            Unary();
        }
    }

    private void Unary()
    {
        SkipSpace();
        if (Peek() is '-' or '+')
        {
            _at++;
        }

        Primary();
        Postfix();
    }

    private void Primary()
    {
        SkipSpace();
        var c = Peek();
        if (c == '(')
        {
            _at++;
            Expression();
            Expect(')');
        }
        else if (char.IsAsciiDigit(c) || c == '.')
        {
            Number();
        }
        else if (c is '"' or '\'')
        {
            StringLiteral();
        }
        else if (c == '{')
        {
            _selectors.Add(new SelectorUse("", Matchers()));
        }
        else
        {
            var name = Identifier();
            SkipSpace();
            if (Aggregations.Contains(name))
            {
                Aggregation(name);
            }
            else if (Peek() == '(')
            {
                if (!Functions.Contains(name))
                {
                    throw Error($"unknown function '{name}'");
                }

                Arguments();
            }
            else
            {
                _selectors.Add(new SelectorUse(name, Peek() == '{' ? Matchers() : []));
            }
        }
    }

    private void Aggregation(string name)
    {
        var firstSelector = _selectors.Count;
        string? modifier = null;
        var labels = new List<string>();
        if (PeekIdentifier() is "by" or "without")
        {
            modifier = Identifier();
            labels = LabelList();
        }

        Arguments();
        if (modifier is null && PeekIdentifier() is "by" or "without")
        {
            modifier = Identifier();
            labels = LabelList();
        }

        // Selectors inside that no inner aggregation claimed have this one as their innermost.
        var aggregation = new AggregationUse(name, modifier, labels);
        for (var i = firstSelector; i < _selectors.Count; i++)
        {
            if (_selectors[i].Enclosing is null)
            {
                _selectors[i] = _selectors[i] with { Enclosing = aggregation };
            }
        }
    }

    private void Arguments()
    {
        Expect('(');
        SkipSpace();
        if (Peek() != ')')
        {
            Expression();
            while (TryTake(','))
            {
                Expression();
            }
        }

        Expect(')');
    }

    /// <summary>Range <c>[5m]</c>, subquery <c>[1h:5m]</c>, <c>offset 1h</c> and <c>@ start()</c> after a term.</summary>
    private void Postfix()
    {
        while (true)
        {
            SkipSpace();
            if (TryTake('['))
            {
                Duration();
                if (TryTake(':'))
                {
                    SkipSpace();
                    if (Peek() != ']')
                    {
                        Duration();
                    }
                }

                Expect(']');
            }
            else if (PeekIdentifier() == "offset")
            {
                Identifier();
                SkipSpace();
                TryTake('-');
                Duration();
            }
            else
            {
                return;
            }
        }
    }

    private List<string> Matchers()
    {
        Expect('{');
        var labels = new List<string>();
        SkipSpace();
        while (Peek() != '}')
        {
            labels.Add(Identifier());
            SkipSpace();
            var op = new[] { "=~", "!~", "!=", "=" }.FirstOrDefault(o => string.CompareOrdinal(_text, _at, o, 0, o.Length) == 0)
                ?? throw Error("expected a label matcher operator");
            _at += op.Length;
            SkipSpace();
            StringLiteral();
            SkipSpace();
            if (!TryTake(','))
            {
                break;
            }

            SkipSpace();
        }

        Expect('}');
        return labels;
    }

    private List<string> LabelList()
    {
        var labels = new List<string>();
        Expect('(');
        SkipSpace();
        while (Peek() != ')')
        {
            labels.Add(Identifier());
            _grouping.Add(labels[^1]);
            SkipSpace();
            if (!TryTake(','))
            {
                break;
            }

            SkipSpace();
        }

        Expect(')');
        return labels;
    }

    private void Duration()
    {
        SkipSpace();
        if (TryTake('$'))
        {
            Identifier();
            return;
        }

        var start = _at;
        while (_at < _text.Length && (char.IsAsciiDigit(_text[_at]) || "smhdwy".Contains(_text[_at], StringComparison.Ordinal)))
        {
            _at++;
        }

        if (_at == start || !char.IsAsciiLetter(_text[_at - 1]))
        {
            throw Error("expected a duration such as 5m");
        }
    }

    private void Number()
    {
        var start = _at;
        while (_at < _text.Length && (char.IsAsciiDigit(_text[_at]) || _text[_at] is '.' or 'e' or 'E'))
        {
            _at++;
        }

        if (!double.TryParse(_text.AsSpan(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
        {
            throw Error("bad number");
        }
    }

    private void StringLiteral()
    {
        var quote = Peek();
        if (quote is not ('"' or '\''))
        {
            throw Error("expected a string");
        }

        for (_at++; _at < _text.Length && _text[_at] != quote; _at++)
        {
            if (_text[_at] == '\\')
            {
                _at++;
            }
        }

        Expect(quote);
    }

    private string Identifier()
    {
        SkipSpace();
        var start = _at;
        while (_at < _text.Length && (char.IsAsciiLetterOrDigit(_text[_at]) || _text[_at] is '_' or ':') && !(_at == start && char.IsAsciiDigit(_text[_at])))
        {
            _at++;
        }

        return _at > start ? _text[start.._at] : throw Error("expected a name");
    }

    private string? PeekIdentifier()
    {
        SkipSpace();
        var save = _at;
        try
        {
            return _at < _text.Length && (char.IsAsciiLetter(_text[_at]) || _text[_at] == '_') ? Identifier() : null;
        }
        finally
        {
            _at = save;
        }
    }

    private void SkipSpace()
    {
        while (_at < _text.Length && char.IsWhiteSpace(_text[_at]))
        {
            _at++;
        }
    }

    private char Peek() => _at < _text.Length ? _text[_at] : '\0';

    private bool TryTake(char c)
    {
        SkipSpace();
        if (Peek() != c)
        {
            return false;
        }

        _at++;
        return true;
    }

    private void Expect(char c)
    {
        if (!TryTake(c))
        {
            throw Error($"expected '{c}'");
        }
    }

    private FormatException Error(string what) => new($"{what} at position {_at} of: {_text}");
}
