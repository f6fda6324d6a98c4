using System.Text.Json;
using System.Text.RegularExpressions;

namespace Scheduler.Charts.Tests.Infrastructure;

internal sealed record DockerInstruction(string Keyword, string Arguments, int Line);

internal sealed record DockerStage(string Image, string? Alias, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction? Last(string keyword) => All(keyword).LastOrDefault();
}

/// <summary>A Dockerfile split into stages of instructions (continuation lines joined, comments dropped).</summary>
internal sealed partial record Dockerfile(string Path, IReadOnlyList<DockerStage> Stages)
{
    public DockerStage Final => Stages[^1];

    public static Dockerfile Parse(string path, string text)
    {
        var logical = new List<(string Text, int Line)>();
        var pending = "";
        var start = 0;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            // Comment lines may sit inside a continued instruction too; Docker drops them there as well.
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }

            if (pending.Length == 0)
            {
                start = i + 1;
            }

            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }

            logical.Add(((pending + line).Trim(), start));
            pending = "";
        }

        var stages = new List<(string Image, string? Alias, List<DockerInstruction> Instructions)>();
        foreach (var (instruction, line) in logical)
        {
            var space = instruction.IndexOfAny([' ', '\t']);
            var keyword = (space < 0 ? instruction : instruction[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : instruction[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                var from = FromPattern().Match(arguments);
                stages.Add((from.Groups["image"].Value, from.Groups["alias"].Success ? from.Groups["alias"].Value : null, []));
            }
            else if (stages.Count > 0)
            {
                stages[^1].Instructions.Add(new DockerInstruction(keyword, arguments, line));
            }
        }

        return new Dockerfile(path, [.. stages.Select(s => new DockerStage(s.Image, s.Alias, s.Instructions))]);
    }

    /// <summary>An exec-form (JSON array) argument list, or null for the shell form.</summary>
    public static IReadOnlyList<string>? ExecForm(string arguments)
    {
        if (!arguments.StartsWith('['))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<string[]>(arguments);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+[Aa][Ss]\s+(?<alias>\S+))?$")]
    private static partial Regex FromPattern();
}
