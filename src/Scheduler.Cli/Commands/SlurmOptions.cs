using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Scheduler.Domain.Specs;

namespace Scheduler.Cli.Commands;

/// <summary>
/// The values of <c>sbatch</c>'s <c>--array</c> and <c>--dependency</c> as <c>submit</c> takes them: <c>--array=0-99%8</c>
/// (indices from 0, <c>%</c> the tasks running at once) and <c>--dependency=afterok:&lt;id&gt;[:&lt;id&gt;…][,afterany:&lt;name&gt;][,singleton]</c>
/// (every listed dependency must hold, as Slurm's comma means).
/// </summary>
internal static class SlurmOptions
{
    public static Option<ArraySpec?> ArrayOption() => new("--array")
    {
        Description = "Submit an array of tasks, sbatch style: 0-99 (100 tasks), 0-99%8 (at most 8 at once); task i gets SCHEDULER_ARRAY_INDEX=i.",
        CustomParser = result => Parse(result, ParseArray),
    };

    public static Option<DependencyOptions?> DependencyOption() => new("--dependency", "-d")
    {
        Description = "Wait for other jobs, sbatch style: afterok:<id|name>[:<id|name>...], afterany:..., afternotok:..., singleton; several joined by ','.",
        CustomParser = result => Parse(result, ParseDependencies),
    };

    /// <summary><c>0-N</c> or <c>0-N%K</c>: N + 1 tasks, K at once.</summary>
    public static (ArraySpec? Value, string? Error) ParseArray(string text)
    {
        var (range, limit) = text.IndexOf('%', StringComparison.Ordinal) is var at and >= 0 ? (text[..at], (string?)text[(at + 1)..]) : (text, (string?)null);
        var dash = range.IndexOf('-', StringComparison.Ordinal);
        if (dash <= 0 || !TryIndex(range[..dash], out var first) || !TryIndex(range[(dash + 1)..], out var last))
        {
            return (null, $"--array '{text}' must be a range such as 0-99 or 0-99%8");
        }

        if (first != 0)
        {
            return (null, $"--array '{text}': task indices start at 0 (SCHEDULER_ARRAY_INDEX runs 0 to count − 1); write 0-{last - first}");
        }

        if (last < first || last >= JobSpecLimits.MaxArrayTasks)
        {
            return (null, $"--array '{text}': an array has 1 to {JobSpecLimits.MaxArrayTasks} tasks (0-{JobSpecLimits.MaxArrayTasks - 1})");
        }

        int? parallelism = null;
        if (limit is not null)
        {
            if (!TryIndex(limit, out var k) || k < 1)
            {
                return (null, $"--array '{text}': the number after % must be a whole number of tasks at once, at least 1");
            }

            parallelism = k;
        }

        return (new ArraySpec { Count = last + 1, Parallelism = parallelism }, null);
    }

    public static (DependencyOptions? Value, string? Error) ParseDependencies(string text)
    {
        var dependencies = new List<DependencySpec>();
        var singleton = false;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (part == "singleton")
            {
                singleton = true;
                continue;
            }

            var pieces = part.Split(':', StringSplitOptions.TrimEntries);
            DependencyType? type = pieces[0] switch
            {
                "afterok" => DependencyType.AfterOk,
                "afterany" => DependencyType.AfterAny,
                "afternotok" => DependencyType.AfterNotOk,
                _ => null,
            };
            if (type is null || pieces.Length < 2 || pieces.Skip(1).Any(string.IsNullOrEmpty))
            {
                return (null, $"--dependency '{part}' must be afterok:<job>, afterany:<job>, afternotok:<job> (several jobs joined by ':') or singleton");
            }

            dependencies.AddRange(pieces.Skip(1).Select(job => new DependencySpec { Type = type, Job = job }));
        }

        return (new DependencyOptions(dependencies, singleton), null);
    }

    private static bool TryIndex(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    private static T? Parse<T>(ArgumentResult result, Func<string, (T? Value, string? Error)> parse)
        where T : class
    {
        var (value, error) = parse(result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty);
        if (error is not null)
        {
            result.AddError(error);
        }

        return value;
    }

    /// <summary>
    /// <c>--time</c>: <c>90m</c>, <c>12h</c>, <c>2d</c> become ISO-8601 (<c>PT90M</c>, <c>PT12H</c>, <c>P2D</c>); anything else goes
    /// to the server as written, whose validation names <c>maxRuntime</c> when it is no duration.
    /// </summary>
    public static string TimeLimit(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var text = value.Trim();
        if (text.Length >= 2 && long.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var amount))
        {
            switch (char.ToLowerInvariant(text[^1]))
            {
                case 'm':
                    return $"PT{amount}M";
                case 'h':
                    return $"PT{amount}H";
                case 'd':
                    return $"P{amount}D";
            }
        }

        return text;
    }
}

/// <summary>What <c>--dependency</c> adds to the spec.</summary>
internal sealed record DependencyOptions(IReadOnlyList<DependencySpec> Dependencies, bool Singleton);
