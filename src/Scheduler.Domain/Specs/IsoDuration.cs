using System.Xml;

namespace Scheduler.Domain.Specs;

/// <summary>ISO-8601 durations (<c>PT12H</c>, <c>P2D</c>) as specs and queues write them: <c>maxRuntime</c> and the queue's runtime bounds.</summary>
public static class IsoDuration
{
    /// <summary>The duration, or null when <paramref name="text"/> is absent, not a duration, or not positive.</summary>
    public static TimeSpan? TryParse(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            var value = XmlConvert.ToTimeSpan(text);
            return value > TimeSpan.Zero ? value : null;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    /// <summary>The canonical text of a duration (<c>PT2H</c>).</summary>
    public static string Format(TimeSpan value) => XmlConvert.ToString(value);
}
