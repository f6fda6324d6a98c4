using System.Text.Json;
using System.Text.Json.Serialization;
using Scheduler.Domain.Validation;

namespace Scheduler.Domain.Specs;

/// <summary>The one JSON shape of specs and estimates: camelCase, strict about unknown members, types and non-finite numbers.</summary>
public static class JobSpecJson
{
    public static JsonSerializerOptions Options { get; } = CreateOptions(indented: false);

    public static JsonSerializerOptions IndentedOptions { get; } = CreateOptions(indented: true);

    public static JsonSerializerOptions CreateOptions(bool indented) => new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
        // A member given twice is refused, not read as its last value (kubectl's strict decoding refuses it too).
        AllowDuplicateProperties = false,
        WriteIndented = indented,
        // Ahead of the enums' own converters (options win over type attributes): names only, never numbers such as "precision": 1.
        Converters = { new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false), new NulFreeStringConverter() },
    };

    /// <summary>Parses a spec; on failure the error names the field the deserializer stopped at.</summary>
    public static (JobSpec? Spec, FieldError? Error) Parse(string json)
    {
        try
        {
            var spec = JsonSerializer.Deserialize<JobSpec>(json, Options);
            return spec is null ? (null, new FieldError("$", "the body must be a JSON object")) : (spec, null);
        }
        catch (JsonException ex)
        {
            return (null, DescribeJsonError(ex));
        }
    }

    public static string Serialize(JobSpec spec) => JsonSerializer.Serialize(spec, Options);

    /// <summary>Maps a deserializer failure to the field and a rule a person can act on.</summary>
    public static FieldError DescribeJsonError(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var field = FieldPath.FromJsonPath(ex.Path);
        if (ex is NulCharacterException)
        {
            // A NUL in a member's name (an environment variable's, say): name the object that holds it, not the NUL.
            var nul = field.IndexOf('\0', StringComparison.Ordinal);
            var holder = nul < 0 ? field : field[..Math.Max(0, field.LastIndexOfAny(['.', '['], nul))];
            return new FieldError(holder.Length == 0 ? "$" : holder, NulFreeStringConverter.Rule);
        }

        var message = ex.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var unknown = ExtractQuoted(message) ?? "?";
            var parent = field == "$" ? string.Empty : field;
            if (unknown.Length == 0)
            {
                // {"": 1}: a member with no name cannot be named as a path; name the object that holds it.
                // The reader's path ends with the empty member ("resources."): drop it.
                parent = parent.TrimEnd('.');
                return new FieldError(parent.Length == 0 ? "$" : parent, "has a member with an empty name, which is unknown");
            }

            // For an unknown member the reader's path already ends with the member itself.
            var name = parent.EndsWith(unknown, StringComparison.Ordinal) ? parent : (parent.Length == 0 ? unknown : $"{parent}.{unknown}");
            return new FieldError(name, "unknown field");
        }

        // Bytes that are not UTF-8, or a lone surrogate ("\ud800" without its pair): no text PostgreSQL (or anyone) can hold.
        // The reader's words: "Cannot transcode invalid UTF-8 JSON text to UTF-16 string", "Cannot read invalid UTF-16 JSON text".
        if (ex.InnerException is InvalidOperationException { Message: var text })
        {
            if (text.Contains("invalid UTF-8", StringComparison.OrdinalIgnoreCase))
            {
                return new FieldError(field, "must be valid UTF-8 text");
            }

            if (text.Contains("UTF-16", StringComparison.OrdinalIgnoreCase) || text.Contains("surrogate", StringComparison.OrdinalIgnoreCase))
            {
                return new FieldError(field, "must be valid Unicode text: a lone surrogate (\\ud800–\\udfff without its pair) is not a character");
            }
        }

        if (ex.InnerException is FormatException or InvalidOperationException || message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return new FieldError(field, "has the wrong type or an unknown value for this field");
        }

        return new FieldError(field, "is not valid JSON here: " + FirstSentence(message));
    }

    private static string? ExtractQuoted(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        var end = message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.');
    }
}
