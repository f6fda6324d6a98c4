namespace Scheduler.Api.Http;

/// <summary>
/// Enumeration values in query parameters, by name only. <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/> also
/// takes numbers (" 3", "+3"), trims blanks and ORs comma-separated names ("Queued,Running" is Running; a parameter given
/// twice binds as that joined text): each of those was a silently different filter instead of a 400.
/// </summary>
internal static class QueryNames
{
    public static bool TryParse<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var name in Enum.GetNames<TEnum>())
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                value = Enum.Parse<TEnum>(name);
                return true;
            }
        }

        value = default;
        return false;
    }
}
