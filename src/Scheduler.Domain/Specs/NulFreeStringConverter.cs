using System.Text.Json;
using System.Text.Json.Serialization;

namespace Scheduler.Domain.Specs;

/// <summary>
/// Refuses U+0000 in every JSON string a client sends, values and member names alike. PostgreSQL's text and jsonb cannot
/// store it (the write would fail after the request was accepted, as a 500), and processes read their arguments and
/// environment as NUL-terminated strings, so a NUL would silently cut a value short.
/// </summary>
public sealed class NulFreeStringConverter : JsonConverter<string>
{
    public const string Rule = "must not contain the NUL character (U+0000)";

    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? Checked(reader.GetString()!) : throw new JsonException();

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(reader.GetString()!);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value);
    }

    private static string Checked(string value) =>
        value.Contains('\0', StringComparison.Ordinal) ? throw new NulCharacterException() : value;
}

/// <summary>Thrown by <see cref="NulFreeStringConverter"/>; the serializer adds the path of the offending string.</summary>
public sealed class NulCharacterException : JsonException
{
    public NulCharacterException()
        : base(NulFreeStringConverter.Rule)
    {
    }

    public NulCharacterException(string message)
        : base(message)
    {
    }

    public NulCharacterException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
