using Microsoft.Extensions.Configuration;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests;

public sealed class GpuCatalogConfigurationTests
{
    [Fact]
    public void Operators_add_gpu_types_under_the_documented_configuration_section()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Scheduler:GpuCatalog:Types:0:Name"] = "MI300X",
            ["Scheduler:GpuCatalog:Types:0:MemoryGiB"] = "192",
            ["Scheduler:GpuCatalog:Types:0:Bf16Tflops"] = "1307",
            ["Scheduler:GpuCatalog:Types:0:Fp32Tflops"] = "163.4",
            ["Scheduler:GpuCatalog:Types:0:MemoryBandwidthGBps"] = "5300",
            ["Scheduler:GpuCatalog:Types:0:IntraNodeBandwidthGBps"] = "448",
            ["Scheduler:GpuCatalog:Types:0:InterNodeBandwidthGBps"] = "50",
            ["Scheduler:GpuCatalog:Types:0:DefaultMfu"] = "0.3",
            ["Scheduler:GpuCatalog:Types:0:ProductLabels:0"] = "AMD-Instinct-MI300X",
            ["Scheduler:GpuCatalog:Types:1:Name"] = "T4",
            ["Scheduler:GpuCatalog:Types:1:MemoryGiB"] = "14.5",
            ["Scheduler:GpuCatalog:Types:1:Bf16Tflops"] = "65",
            ["Scheduler:GpuCatalog:Types:1:Fp32Tflops"] = "8.1",
            ["Scheduler:GpuCatalog:Types:1:MemoryBandwidthGBps"] = "320",
            ["Scheduler:GpuCatalog:Types:1:IntraNodeBandwidthGBps"] = "16",
            ["Scheduler:GpuCatalog:Types:1:InterNodeBandwidthGBps"] = "3.125",
            ["Scheduler:GpuCatalog:Types:1:DefaultMfu"] = "0.25",
        }).Build();

        var types = configuration.GetSection("Scheduler:GpuCatalog:Types").Get<List<GpuType>>()!;
        var catalog = GpuCatalog.Default.With(types);

        Assert.Equal(["AMD-Instinct-MI300X"], catalog.Get("MI300X").ProductLabels);
        Assert.Equal(14.5, catalog.Get("T4").MemoryGiB);
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Gpus(1, "MI300X"), catalog);
        Assert.Equal(192, estimate.GpuMemoryGiB);
        Assert.Equal(0.3, estimate.Mfu);
    }
}
