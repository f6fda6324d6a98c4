namespace Scheduler.Domain.Validation;

/// <summary>Turns C# member paths (<c>Resources.GpuType</c>) and JSON paths (<c>$.resources['gpuType']</c>) into the wire form (<c>resources.gpuType</c>).</summary>
public static class FieldPath
{
    public static string FromMemberPath(string memberPath) =>
        string.Join('.', memberPath.Split('.').Select(CamelCase));

    public static string FromJsonPath(string? jsonPath)
    {
        if (string.IsNullOrEmpty(jsonPath) || jsonPath == "$")
        {
            return "$";
        }

        var path = jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : jsonPath.TrimStart('$');
        // System.Text.Json writes awkward names as ['name']; keep them readable.
        return path.Replace("['", ".", StringComparison.Ordinal).Replace("']", string.Empty, StringComparison.Ordinal).TrimStart('.');
    }

    private static string CamelCase(string segment) =>
        segment.Length == 0 || char.IsLower(segment[0]) ? segment : char.ToLowerInvariant(segment[0]) + segment[1..];
}
