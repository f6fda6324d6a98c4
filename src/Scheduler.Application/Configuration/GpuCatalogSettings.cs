using Microsoft.Extensions.Configuration;
using Scheduler.Domain.Catalog;

namespace Scheduler.Application.Configuration;

/// <summary>
/// One entry of configuration section <c>Scheduler:GpuCatalog</c>, keyed by type name
/// (<c>Scheduler:GpuCatalog:H100-SXM:DefaultMfu=0.45</c>). For a shipped type the given members replace its defaults;
/// a new type must give every member.
/// </summary>
internal sealed class GpuTypeSettings
{
    public double? MemoryGiB { get; set; }

    public double? Bf16Tflops { get; set; }

    public double? Fp32Tflops { get; set; }

    public double? MemoryBandwidthGBps { get; set; }

    public double? IntraNodeBandwidthGBps { get; set; }

    public double? InterNodeBandwidthGBps { get; set; }

    public double? DefaultMfu { get; set; }

    public List<string>? ProductLabels { get; set; }
}

internal static class GpuCatalogConfiguration
{
    public const string Section = "Scheduler:GpuCatalog";

    /// <summary>The shipped catalog with the configured types added or overridden.</summary>
    public static GpuCatalog Load(IConfiguration configuration)
    {
        var settings = configuration.GetSection(Section).Get<Dictionary<string, GpuTypeSettings>>() ?? [];
        return GpuCatalog.Default.With(settings.Select(s => Merge(s.Key, GpuCatalog.Default.Find(s.Key), s.Value)));
    }

    private static GpuType Merge(string name, GpuType? shipped, GpuTypeSettings given) => new()
    {
        Name = name,
        MemoryGiB = given.MemoryGiB ?? shipped?.MemoryGiB ?? Missing(name, nameof(GpuType.MemoryGiB)),
        Bf16Tflops = given.Bf16Tflops ?? shipped?.Bf16Tflops ?? Missing(name, nameof(GpuType.Bf16Tflops)),
        Fp32Tflops = given.Fp32Tflops ?? shipped?.Fp32Tflops ?? Missing(name, nameof(GpuType.Fp32Tflops)),
        MemoryBandwidthGBps = given.MemoryBandwidthGBps ?? shipped?.MemoryBandwidthGBps ?? Missing(name, nameof(GpuType.MemoryBandwidthGBps)),
        IntraNodeBandwidthGBps = given.IntraNodeBandwidthGBps ?? shipped?.IntraNodeBandwidthGBps ?? Missing(name, nameof(GpuType.IntraNodeBandwidthGBps)),
        InterNodeBandwidthGBps = given.InterNodeBandwidthGBps ?? shipped?.InterNodeBandwidthGBps ?? Missing(name, nameof(GpuType.InterNodeBandwidthGBps)),
        DefaultMfu = given.DefaultMfu ?? shipped?.DefaultMfu ?? Missing(name, nameof(GpuType.DefaultMfu)),
        ProductLabels = given.ProductLabels ?? shipped?.ProductLabels ?? [],
    };

    private static double Missing(string name, string member) =>
        throw new InvalidOperationException($"Configuration {Section}:{name} adds a GPU type and must set {member}.");
}
