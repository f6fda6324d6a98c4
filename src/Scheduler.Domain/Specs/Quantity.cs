using System.Globalization;
using System.Text.RegularExpressions;

namespace Scheduler.Domain.Specs;

/// <summary>The subset of Kubernetes resource quantities a job spec uses: plain or milli CPU, binary or decimal byte suffixes.</summary>
public static partial class Quantity
{
    [GeneratedRegex(@"^(?<n>[0-9]+(\.[0-9]+)?)(?<s>m|k|M|G|T|P|Ki|Mi|Gi|Ti|Pi)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    public static bool IsValid(string? text) => text is not null && Pattern().IsMatch(text);

    /// <summary>CPU in millicores (<c>8</c> → 8000, <c>500m</c> → 500).</summary>
    public static long ToCpuMilli(string text) => (long)Math.Ceiling(ToBaseUnits(text) * 1000);

    /// <summary>Memory in MiB, rounded up.</summary>
    public static long ToMebibytes(string text) => (long)Math.Ceiling(ToBaseUnits(text) / (1024.0 * 1024.0));

    public static double ToBaseUnits(string text)
    {
        var match = Pattern().Match(text);
        if (!match.Success)
        {
            throw new FormatException($"'{text}' is not a Kubernetes quantity.");
        }

        var number = double.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture);
        return number * match.Groups["s"].Value switch
        {
            "" => 1,
            "m" => 1e-3,
            "k" => 1e3,
            "M" => 1e6,
            "G" => 1e9,
            "T" => 1e12,
            "P" => 1e15,
            "Ki" => 1024.0,
            "Mi" => 1024.0 * 1024,
            "Gi" => 1024.0 * 1024 * 1024,
            "Ti" => 1024.0 * 1024 * 1024 * 1024,
            _ => 1024.0 * 1024 * 1024 * 1024 * 1024,
        };
    }
}
