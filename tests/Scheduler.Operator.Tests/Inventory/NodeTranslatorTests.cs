using k8s.Models;
using Scheduler.Domain.Catalog;
using Scheduler.Operator.Inventory;

namespace Scheduler.Operator.Tests.Inventory;

public sealed class NodeTranslatorTests
{
    private static readonly DateTime Condition = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime Taint = new(2026, 11, 23, 12, 1, 0, DateTimeKind.Utc);

    public static TheoryData<string, string?, string[], bool, DateTime?> Readiness => new()
    {
        // name, Ready condition status (null: none), lifecycle taints, ready, not ready since
        { "ready", "True", [], true, null },
        { "kubelet reports not ready", "False", [], false, Condition },
        { "kubelet stopped reporting", "Unknown", [], false, Condition },
        { "no Ready condition at all", null, [], false, null },
        { "unreachable taint on a node still marked ready", "True", [NodeTranslator.UnreachableTaint], false, Taint },
        { "not-ready taint after the condition flipped: the earlier time", "False", [NodeTranslator.NotReadyTaint], false, Condition },
    };

    [Theory]
    [MemberData(nameof(Readiness))]
    public void Readiness_follows_the_Ready_condition_and_the_node_lifecycle_taints(string name, string? status, string[] taints, bool ready, DateTime? since)
    {
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "node-a" },
            Spec = new V1NodeSpec { Taints = [.. taints.Select(t => new V1Taint { Key = t, Effect = "NoExecute", TimeAdded = Taint })] },
            Status = new V1NodeStatus
            {
                Conditions = status is null ? [] : [new V1NodeCondition { Type = "Ready", Status = status, LastTransitionTime = Condition }],
            },
        };

        var capacity = new NodeTranslator(GpuCatalog.Default).Translate(node);

        Assert.True((capacity.Ready, capacity.NotReadySince) == (ready, since is null ? null : new DateTimeOffset(since.Value)),
            $"{name}: expected ({ready}, {since:u}), got ({capacity.Ready}, {capacity.NotReadySince:u})");
    }

    [Fact]
    public void A_configured_product_label_and_gpu_resource_are_read_instead_of_the_nvidia_defaults()
    {
        var node = ReadyNode(
            labels: new() { ["amd.com/gpu.product-name"] = "AMD-Instinct-MI300X", ["nvidia.com/gpu.product"] = "NVIDIA-H100-80GB-HBM3" },
            allocatable: new() { ["amd.com/gpu"] = new ResourceQuantity("8"), ["nvidia.com/gpu"] = new ResourceQuantity("2") });

        var capacity = new NodeTranslator(GpuCatalog.Default, new Dictionary<string, string> { ["AMD-Instinct-MI300X"] = "MI300X" },
            gpuProductLabel: "amd.com/gpu.product-name", gpuResource: "amd.com/gpu").Translate(node);

        Assert.Equal(("MI300X", 8), (capacity.GpuType, capacity.Gpus));
    }

    [Fact]
    public void By_default_the_nvidia_product_label_and_resource_are_read()
    {
        var node = ReadyNode(
            labels: new() { ["nvidia.com/gpu.product"] = "NVIDIA-A100-SXM4-80GB" },
            allocatable: new() { ["nvidia.com/gpu"] = new ResourceQuantity("4") });

        var capacity = new NodeTranslator(GpuCatalog.Default).Translate(node);

        Assert.Equal(("A100-80GB", 4), (capacity.GpuType, capacity.Gpus));
    }

    private static V1Node ReadyNode(Dictionary<string, string> labels, Dictionary<string, ResourceQuantity> allocatable) => new()
    {
        Metadata = new V1ObjectMeta { Name = "node-a", Labels = labels },
        Spec = new V1NodeSpec(),
        Status = new V1NodeStatus
        {
            Allocatable = allocatable,
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True", LastTransitionTime = Condition }],
        },
    };
}
