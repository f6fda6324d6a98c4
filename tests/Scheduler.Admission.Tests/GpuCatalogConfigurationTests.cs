using Scheduler.Admission.Calibration;
using Microsoft.Extensions.Configuration;
using Scheduler.Admission.Tests.Support;
using Scheduler.Application.Configuration;
using Scheduler.Domain.Catalog;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests;

/// <summary>The control plane's own loader (<see cref="GpuCatalogConfiguration.Load"/>) over the documented configuration.</summary>
public sealed class GpuCatalogConfigurationTests
{
    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();

    [Fact]
    public void Operators_add_gpu_types_and_override_shipped_members_keyed_by_type_name()
    {
        var configuration = Configuration(new()
        {
            ["Scheduler:GpuCatalog:MI300X:MemoryGiB"] = "192",
            ["Scheduler:GpuCatalog:MI300X:Bf16Tflops"] = "1307",
            ["Scheduler:GpuCatalog:MI300X:Fp32Tflops"] = "163.4",
            ["Scheduler:GpuCatalog:MI300X:MemoryBandwidthGBps"] = "5300",
            ["Scheduler:GpuCatalog:MI300X:IntraNodeBandwidthGBps"] = "448",
            ["Scheduler:GpuCatalog:MI300X:InterNodeBandwidthGBps"] = "50",
            ["Scheduler:GpuCatalog:MI300X:DefaultMfu"] = "0.3",
            ["Scheduler:GpuCatalog:MI300X:ProductLabels:0"] = "AMD-Instinct-MI300X",
            ["Scheduler:GpuCatalog:T4:MemoryGiB"] = "14.5",
        });

        var catalog = GpuCatalogConfiguration.Load(configuration);

        Assert.Equal(["AMD-Instinct-MI300X"], catalog.Get("MI300X").ProductLabels);
        Assert.Equal(14.5, catalog.Get("T4").MemoryGiB);
        // A partial override keeps the shipped type's other members.
        Assert.Equal(GpuCatalog.Default.Get("T4") with { MemoryGiB = 14.5 }, catalog.Get("T4"));
        Assert.Equal(GpuCatalog.Default.Get("H100-SXM"), catalog.Get("H100-SXM"));
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Gpus(1, "MI300X"), catalog);
        Assert.Equal(192, estimate.GpuMemoryGiB);
        // The configured default, scaled for model size and GPU count like every type's (MfuModel).
        Assert.Equal(MfuModel.Default(catalog.Get("MI300X"), estimate.ActiveParameters, 1), estimate.Mfu);
        Assert.Equal(0.3 * MfuModel.Default(GpuCatalog.Default.Get("A100-80GB"), estimate.ActiveParameters, 1) / 0.45, estimate.Mfu, 12);
    }

    [Fact]
    public void A_new_gpu_type_missing_a_member_is_refused_naming_the_member()
    {
        var configuration = Configuration(new() { ["Scheduler:GpuCatalog:MI300X:MemoryGiB"] = "192" });

        var error = Assert.Throws<InvalidOperationException>(() => GpuCatalogConfiguration.Load(configuration));

        Assert.Contains("Scheduler:GpuCatalog:MI300X", error.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(GpuType.Bf16Tflops), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_configuration_gives_the_shipped_catalog()
    {
        var catalog = GpuCatalogConfiguration.Load(Configuration([]));

        Assert.Equal(GpuCatalog.Default.Names, catalog.Names);
    }
}
