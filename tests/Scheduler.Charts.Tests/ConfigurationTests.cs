using System.Text.Json.Nodes;
using Scheduler.Charts.Tests.Infrastructure;

namespace Scheduler.Charts.Tests;

/// <summary>The scheduler's settings reach the pod as appsettings.Production.json, rendered from values.</summary>
public sealed class ConfigurationTests(ChartTools tools)
{
    internal static JsonNode AppSettings(RenderedChart chart)
    {
        var configMap = chart.Single("ConfigMap", $"{ChartRenderer.FullName}-config");
        return JsonNode.Parse((string)configMap.At("data")!["appsettings.Production.json"]!)!;
    }

    [Fact]
    public async Task Default_settings_carry_the_priority_classes_intervals_and_in_cluster_mode()
    {
        var settings = AppSettings(await tools.Renderer.RenderAsync(ValueSet.Default));

        Assert.Empty(settings.At("Scheduler.gpuCatalog")!.AsObject());
        Assert.Equal(1000, (int)settings.At("Scheduler.priorityClasses.normal")!);
        Assert.Equal(100000, (int)settings.At("Scheduler.priorityClasses.critical")!);
        Assert.Equal("00:00:01", (string?)settings.At("Scheduler.intervals.schedulingCycle"));
        Assert.Equal("InCluster", (string?)settings.At("Scheduler.kubernetes.mode"));
        Assert.Equal("nvidia.com/gpu.product", (string?)settings.At("Scheduler.kubernetes.nodeLabels.gpuProduct"));
        Assert.Equal($"http://{ChartRenderer.FullName}.{ChartRenderer.Namespace}.svc:80", (string?)settings.At("Scheduler.kubernetes.telemetryUrl"));
        Assert.Equal("ghcr.io/gpu-scheduler/trainer:0.1.0", (string?)settings.At("Scheduler.kubernetes.trainerImage"));
    }

    [Fact]
    public async Task Catalog_additions_and_product_mappings_from_values_reach_the_settings()
    {
        var settings = AppSettings(await tools.Renderer.RenderAsync(ValueSet.ExternalDb));

        var catalog = settings.At("Scheduler.gpuCatalog")!;
        Assert.Equal(192, (double)catalog["MI300X"]!["memoryGiB"]!);
        Assert.Equal(["AMD-Instinct-MI300X"], catalog["MI300X"]!["productLabels"].Strings());
        Assert.Equal(0.45, (double)catalog["H100-SXM"]!["defaultMfu"]!);
        Assert.Equal("H100-PCIe", (string?)settings.At("Scheduler.kubernetes.nodeLabels.productMapping")!["NVIDIA-H100-NVL"]);
        Assert.Equal(300, (int)settings.At("Scheduler.policy.preemptionGracePeriodSeconds")!);
    }

    [Fact]
    public async Task Gpu_product_label_and_gpu_resource_names_from_values_reach_the_settings()
    {
        var settings = AppSettings(await tools.Renderer.RenderAsync(ValueSet.Default,
            "--set", "scheduler.nodeLabels.gpuProduct=amd.com/gpu.product-name", "--set", "scheduler.nodeLabels.gpuResource=amd.com/gpu"));

        Assert.Equal("amd.com/gpu.product-name", (string?)settings.At("Scheduler.kubernetes.nodeLabels.gpuProduct"));
        Assert.Equal("amd.com/gpu", (string?)settings.At("Scheduler.kubernetes.nodeLabels.gpuResource"));
    }

    [Fact]
    public async Task Topology_label_keys_default_to_the_documented_ones_and_values_replace_them()
    {
        var defaults = AppSettings(await tools.Renderer.RenderAsync(ValueSet.Default));
        var custom = AppSettings(await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "scheduler.nodeLabels.rack=example.com/leaf"));

        Assert.Equal("topology.gpu-scheduler.io/rack", (string?)defaults.At("Scheduler.kubernetes.nodeLabels.rack"));
        Assert.Equal("nvidia.com/gpu.clique", (string?)defaults.At("Scheduler.kubernetes.nodeLabels.clique"));
        Assert.Equal("example.com/leaf", (string?)custom.At("Scheduler.kubernetes.nodeLabels.rack"));
    }

    [Fact]
    public async Task Job_pods_tolerate_the_nvidia_gpu_taint_by_default_and_the_tolerations_given_otherwise()
    {
        var byDefault = AppSettings(await tools.Renderer.RenderAsync(ValueSet.Default)).At("Scheduler.kubernetes.tolerations")!.AsArray();
        var custom = AppSettings(await tools.Renderer.RenderAsync(ValueSet.Default,
            "--set", "scheduler.tolerations[0].key=dedicated", "--set", "scheduler.tolerations[0].operator=Equal",
            "--set", "scheduler.tolerations[0].value=training", "--set", "scheduler.tolerations[0].effect=NoExecute")).At("Scheduler.kubernetes.tolerations")!.AsArray();

        var nvidia = Assert.Single(byDefault)!;
        Assert.Equal(("nvidia.com/gpu", "Exists", "NoSchedule"), ((string?)nvidia["key"], (string?)nvidia["operator"], (string?)nvidia["effect"]));
        var dedicated = Assert.Single(custom)!;
        Assert.Equal(("dedicated", "Equal", "training", "NoExecute"),
            ((string?)dedicated["key"], (string?)dedicated["operator"], (string?)dedicated["value"], (string?)dedicated["effect"]));
    }

    [Fact]
    public async Task A_configuration_change_rolls_the_pods()
    {
        var before = await tools.Renderer.RenderAsync(ValueSet.Default);
        var after = await tools.Renderer.RenderAsync(ValueSet.Default, "--set", "scheduler.policy.backfill=false");

        static string? Checksum(RenderedChart c) => (string?)c.Single("Deployment").At("spec.template.metadata.annotations")!["checksum/config"];
        Assert.NotEqual(Checksum(before), Checksum(after));
        Assert.False((bool)AppSettings(after).At("Scheduler.policy.backfill")!);
    }

    [Fact]
    public async Task The_settings_file_is_mounted_read_only_over_the_image_copy()
    {
        var deployment = (await tools.Renderer.RenderAsync(ValueSet.Default)).Single("Deployment");
        var mount = deployment.At("spec.template.spec.containers[0].volumeMounts")!.AsArray().Single(m => (string?)m.At("name") == "config");

        Assert.Equal("/app/appsettings.Production.json", (string?)mount.At("mountPath"));
        Assert.Equal("appsettings.Production.json", (string?)mount.At("subPath"));
        Assert.True((bool)mount.At("readOnly")!);
        Assert.Contains(deployment.At("spec.template.spec.containers[0].env")!.AsArray(),
            e => (string?)e.At("name") == "ASPNETCORE_ENVIRONMENT" && (string?)e.At("value") == "Production");
    }
}
