using System.Globalization;
using System.Text;

namespace Scheduler.Admission.Accuracy;

/// <summary>
/// Reads the small CSV files under reference/: lines starting with '#' are comments, the first other line is the header,
/// fields may be double-quoted (RFC 4180, "" for a quote). Fifty lines of text do not warrant a CSV dependency.
/// </summary>
internal static class ReferenceCsv
{
    public static IReadOnlyList<ReferenceRow> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        if (lines.Count == 0)
        {
            return [];
        }

        var header = SplitLine(lines[0]);
        return lines.Skip(1).Select(line =>
        {
            var fields = SplitLine(line);
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < header.Count; i++)
            {
                values[header[i]] = i < fields.Count ? fields[i] : string.Empty;
            }

            return new ReferenceRow(values);
        }).ToList();
    }

    private static List<string> SplitLine(string line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return fields;
    }
}

/// <summary>One data line of a reference CSV, by column name.</summary>
internal sealed record ReferenceRow(IReadOnlyDictionary<string, string> Values)
{
    public string Text(string column) => Values.TryGetValue(column, out var value) ? value.Trim() : string.Empty;

    public double? Number(string column) =>
        double.TryParse(Text(column), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    public double RequiredNumber(string column) =>
        Number(column) ?? throw new FormatException($"column '{column}' of '{Text("name")}' is not a number: '{Text(column)}'");

    public int? Integer(string column) => Number(column) is { } value ? (int)value : null;
}
