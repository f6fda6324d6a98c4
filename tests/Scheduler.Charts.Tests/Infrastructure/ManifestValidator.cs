using System.Text.Json;

namespace Scheduler.Charts.Tests.Infrastructure;

internal sealed record ValidationResult(string File, int Index, string? Kind, string? Name, IReadOnlyList<string> Errors)
{
    public override string ToString() => $"{Path.GetFileName(File)}#{Index} {Kind}/{Name}: {string.Join("; ", Errors)}";
}

/// <summary>Runs validator/validate.mjs (kubernetes-models, CRD schemas through Ajv) over YAML files.</summary>
internal static class ManifestValidator
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    public static async Task<IReadOnlyList<ValidationResult>> ValidateAsync(
        ChartTools tools, IEnumerable<string> files, IEnumerable<string>? crdFiles = null)
    {
        string[] arguments = [tools.Validator, .. files, .. crdFiles is null ? [] : (string[])["--crds", .. crdFiles]];
        var result = await ProcessRunner.RunAsync("node", arguments, Timeout, TestContext.Current.CancellationToken);
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(result.ExitCode is 0 or 1 && lines.Length > 0, $"The validator did not run: {result.Describe()}");
        return [.. lines.Select(line => JsonSerializer.Deserialize<ValidationResult>(line, JsonSerializerOptions.Web)!)];
    }

    /// <summary>Validates YAML text through a temporary file.</summary>
    public static async Task<IReadOnlyList<ValidationResult>> ValidateTextAsync(ChartTools tools, string yaml, IEnumerable<string>? crdFiles = null)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gpu-scheduler-manifests-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml, TestContext.Current.CancellationToken);
        try
        {
            return await ValidateAsync(tools, [file], crdFiles);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
