using System.Text.Json;
using Scheduler.Admission.Tests.Support;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;
using Scheduler.Testing.Builders;

namespace Scheduler.Admission.Tests;

public sealed class EstimateJsonTests
{
    [Fact]
    public void The_json_has_the_field_names_of_the_design()
    {
        var json = JsonSerializer.SerializeToElement(Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B)), JobSpecJson.Options);

        string[] design =
        [
            "parameters", "trainableParameters", "flopsPerToken", "flopsTotal", "memoryPerGpuGiB", "gpuMemoryGiB", "fits",
            "suggestions", "stepSeconds", "wallHours", "gpuHours", "mfu", "mfuSource", "gpuType",
        ];
        Assert.All(design, name => Assert.True(json.TryGetProperty(name, out _), name));
        var memory = json.GetProperty("memoryPerGpuGiB").EnumerateObject().Select(p => p.Name);
        Assert.Equal(["weights", "gradients", "optimizer", "activations", "overhead", "total"], memory);
    }

    [Fact]
    public void An_estimate_survives_a_round_trip_through_json()
    {
        var estimate = Jobs.Estimate(JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8).Training(t => t with { GlobalBatchSize = 8 }));

        var json = JsonSerializer.Serialize(estimate, JobSpecJson.Options);
        var back = JsonSerializer.Deserialize<Estimate>(json, JobSpecJson.Options)!;

        Assert.Equal(json, JsonSerializer.Serialize(back, JobSpecJson.Options));
    }

    [Fact]
    public void The_same_spec_gives_the_same_estimate()
    {
        var spec = JobSpecBuilder.AJob().Model(Jobs.Llama7B).Gpus(8, "T4|A100-80GB").Training(t => t with { GlobalBatchSize = 8 });

        Assert.Equal(
            JsonSerializer.Serialize(Jobs.Estimate(spec), JobSpecJson.Options),
            JsonSerializer.Serialize(Jobs.Estimate(spec), JobSpecJson.Options));
    }

    [Fact]
    public void The_catalog_ships_every_gpu_type_the_issue_names()
    {
        string[] required = ["V100-16GB", "V100-32GB", "T4", "A10", "L4", "L40S", "A100-40GB", "A100-80GB", "H100-PCIe", "H100-SXM", "H200", "B200"];

        Assert.All(required, name =>
        {
            var gpu = GpuCatalog.Default.Get(name);
            Assert.InRange(gpu.DefaultMfu, 0.05, 0.8);
            Assert.True(gpu.Bf16Tflops > gpu.Fp32Tflops, name);
        });
    }
}
