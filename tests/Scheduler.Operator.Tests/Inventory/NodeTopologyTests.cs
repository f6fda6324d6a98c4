using k8s.Models;
using Scheduler.Core.Snapshots;
using Scheduler.Domain.Catalog;
using Scheduler.Operator.Inventory;

namespace Scheduler.Operator.Tests.Inventory;

public sealed class NodeTopologyTests
{
    private static V1Node Node(Dictionary<string, string> labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = "gpu-0", Labels = labels },
        Status = new V1NodeStatus
        {
            Allocatable = new Dictionary<string, ResourceQuantity> { ["nvidia.com/gpu"] = new("8") },
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }],
        },
    };

    [Fact]
    public void The_default_labels_give_the_zone_block_rack_and_nvlink_clique()
    {
        var node = Node(new()
        {
            ["topology.kubernetes.io/zone"] = "z1",
            ["topology.gpu-scheduler.io/block"] = "b3",
            ["topology.gpu-scheduler.io/rack"] = "r12",
            ["nvidia.com/gpu.clique"] = "cluster-uuid.7",
        });

        var capacity = new NodeTranslator(GpuCatalog.Default).Translate(node);

        Assert.Equal(new NodeTopology { Zone = "z1", Block = "b3", Rack = "r12", Clique = "cluster-uuid.7" }, capacity.Topology);
    }

    [Fact]
    public void Configured_label_keys_replace_the_defaults_per_level()
    {
        var node = Node(new() { ["example.com/leaf"] = "leaf-4", ["topology.gpu-scheduler.io/rack"] = "ignored" });

        var capacity = new NodeTranslator(GpuCatalog.Default, topology: TopologyLabels.Default with { Rack = "example.com/leaf" }).Translate(node);

        Assert.Equal("leaf-4", capacity.Topology?.Rack);
        Assert.Null(capacity.Topology?.Block);
    }

    [Fact]
    public void A_node_without_topology_labels_has_no_topology()
    {
        var capacity = new NodeTranslator(GpuCatalog.Default).Translate(Node(new() { ["kubernetes.io/hostname"] = "gpu-0" }));

        Assert.Null(capacity.Topology);
    }
}
