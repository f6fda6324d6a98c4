using System.Text.Json;

namespace Scheduler.Charts.Tests.Infrastructure;

/// <summary>One document's outcome; warnings name CEL rules the offline evaluator could not run.</summary>
internal sealed record ValidationResult(string File, int Index, string? Kind, string? Name, IReadOnlyList<string> Errors, IReadOnlyList<string>? Warnings = null)
{
    public override string ToString() => $"{Path.GetFileName(File)}#{Index} {Kind}/{Name}: {string.Join("; ", Errors)}";
}

/// <summary>Runs validator/validate.mjs (kubernetes-models; CRD schemas through Ajv and their CEL rules) over YAML files.</summary>
internal static class ManifestValidator
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    /// <summary>Validates <paramref name="files"/>; custom resources against the CRDs among them or in <paramref name="crdYaml"/>.</summary>
    public static async Task<IReadOnlyList<ValidationResult>> ValidateAsync(ChartTools tools, IEnumerable<string> files, string? crdYaml = null)
    {
        var crdFile = crdYaml is null ? null : await WriteTempAsync(crdYaml);
        try
        {
            string[] arguments = [tools.Validator, .. files, .. crdFile is null ? [] : (string[])["--crds", crdFile]];
            var result = await ProcessRunner.RunAsync("node", arguments, Timeout, TestContext.Current.CancellationToken);
            var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.True(result.ExitCode is 0 or 1 && lines.Length > 0, $"The validator did not run: {result.Describe()}");
            return [.. lines.Select(line => JsonSerializer.Deserialize<ValidationResult>(line, JsonSerializerOptions.Web)!)];
        }
        finally
        {
            DeleteIfPresent(crdFile);
        }
    }

    /// <summary>Validates YAML text (through a temporary file).</summary>
    public static async Task<IReadOnlyList<ValidationResult>> ValidateTextAsync(ChartTools tools, string yaml, string? crdYaml = null)
    {
        var file = await WriteTempAsync(yaml);
        try
        {
            return await ValidateAsync(tools, [file], crdYaml);
        }
        finally
        {
            DeleteIfPresent(file);
        }
    }

    private static async Task<string> WriteTempAsync(string yaml)
    {
        var file = Path.Combine(Path.GetTempPath(), $"gpu-scheduler-manifests-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, yaml, TestContext.Current.CancellationToken);
        return file;
    }

    private static void DeleteIfPresent(string? file)
    {
        if (file is not null)
        {
            File.Delete(file);
        }
    }
}
