using Spectre.Console;

namespace Scheduler.Cli.Output;

/// <summary>A table's columns by name; <c>-o a,b,c</c> picks and orders them (case-insensitive), unknown names are a usage error.</summary>
internal sealed class Columns<T>(IReadOnlyList<(string Name, Func<T, string> Value)> all, IReadOnlyList<string> defaults)
{
    public IReadOnlyList<string> Names => all.Select(c => c.Name).ToList();

    public Table Render(IEnumerable<T> rows, string? selection)
    {
        var chosen = Choose(selection);
        var table = Terminal.Table(chosen.Select(c => c.Name.ToUpperInvariant()));
        foreach (var row in rows)
        {
            table.AddRow(chosen.Select(c => Terminal.Escape(c.Value(row))).ToArray());
        }

        return table;
    }

    private List<(string Name, Func<T, string> Value)> Choose(string? selection)
    {
        var names = selection is null ? defaults : selection.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var chosen = new List<(string, Func<T, string>)>();
        foreach (var name in names)
        {
            var column = all.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
            if (column.Name is null)
            {
                throw CliException.Usage($"-o: unknown column '{name}'; columns are {string.Join(",", Names)}");
            }

            chosen.Add(column);
        }

        return chosen.Count > 0 ? chosen : throw CliException.Usage($"-o: name at least one of {string.Join(",", Names)}");
    }
}
