using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Scheduler.Domain.Jobs;

/// <summary>
/// A job's identity, typed so it cannot be mixed up with another Guid or string. Its text is the Guid's ("D" format): the
/// form in pod labels, URLs and the scheduling core's decisions.
/// </summary>
public readonly record struct JobId(Guid Value)
{
    public static JobId Parse(string text) => new(Guid.Parse(text, CultureInfo.InvariantCulture));

    public static bool TryParse([NotNullWhen(true)] string? text, out JobId id)
    {
        var parsed = Guid.TryParse(text, CultureInfo.InvariantCulture, out var value);
        id = new JobId(value);
        return parsed;
    }

    public override string ToString() => Value.ToString();
}
