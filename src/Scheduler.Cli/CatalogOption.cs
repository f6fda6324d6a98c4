using System.CommandLine;
using System.Text.Json;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Cli;

/// <summary>
/// <c>--catalog &lt;types.json&gt;</c>: GPU types to add to (or replace in) the shipped catalog, a JSON array of whole
/// <see cref="GpuType"/> objects, name included. (The control plane's configuration instead keys types by name,
/// <c>Scheduler:GpuCatalog:&lt;type&gt;:&lt;member&gt;</c>, and lets a shipped type override single members.)
/// </summary>
internal static class CatalogOption
{
    public static Option<FileInfo?> Create() => new("--catalog")
    {
        Description = "JSON array of GPU types (name, memoryGiB, bf16Tflops, fp32Tflops, memoryBandwidthGBps, intraNodeBandwidthGBps, interNodeBandwidthGBps, defaultMfu) added to the shipped catalog.",
    };

    /// <summary>The shipped catalog with the file's types; null and a message on stderr when the file cannot be used.</summary>
    public static GpuCatalog? Load(FileInfo? file, TextWriter error)
    {
        if (file is null)
        {
            return GpuCatalog.Default;
        }

        if (!file.Exists)
        {
            error.WriteLine($"{file.FullName}: no such file");
            return null;
        }

        try
        {
            var types = JsonSerializer.Deserialize<List<GpuType>>(File.ReadAllText(file.FullName), JobSpecJson.Options) ?? [];
            var broken = types.FirstOrDefault(t => t.MemoryGiB <= 0 || t.Bf16Tflops <= 0 || t.DefaultMfu is <= 0 or > 1);
            if (broken is not null)
            {
                error.WriteLine($"{file.FullName}: GPU type '{broken.Name}' needs positive memoryGiB and bf16Tflops and a defaultMfu in (0, 1]");
                return null;
            }

            return GpuCatalog.Default.With(types);
        }
        catch (JsonException ex)
        {
            var problem = JobSpecJson.DescribeJsonError(ex);
            error.WriteLine($"{file.FullName}: {problem.Field} {problem.Message}");
            return null;
        }
    }
}
