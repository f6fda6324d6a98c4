using k8s;
using Scheduler.Domain.Catalog;
using Scheduler.Kubernetes.Inventory;
using Scheduler.Simulation.ApiServer;
using Scheduler.Simulation.Cluster;

namespace Scheduler.Kubernetes.Tests.Inventory;

public sealed class GpuNodeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Simulated_nodes_read_as_schedulable_gpu_nodes_until_cordoned_tainted_or_not_ready()
    {
        await using var cluster = await SimulatedCluster.StartAsync(new SimulatedClusterOptions
        {
            TickInterval = TimeSpan.Zero,
            NodePools = [new SimulatedNodePool("H100-SXM", 4), new SimulatedNodePool("L4", 1, GpusPerNode: 4)],
            Server = new FakeApiServerOptions(),
        }, Ct);
        using var client = cluster.CreateClient();
        cluster.Cordon("sim-h100-sxm-0");
        cluster.SetReady("sim-h100-sxm-1", ready: false);
        var tainted = await client.CoreV1.ReadNodeAsync("sim-h100-sxm-2", cancellationToken: Ct);
        tainted.Spec.Taints = [new k8s.Models.V1Taint { Key = "maintenance", Effect = "NoSchedule" }];
        await client.CoreV1.ReplaceNodeAsync(tainted, "sim-h100-sxm-2", cancellationToken: Ct);

        var nodes = (await client.CoreV1.ListNodeAsync(cancellationToken: Ct)).Items
            .Select(n => GpuNode.FromNode(n, GpuCatalog.Default)).ToDictionary(n => n.Name);

        Assert.Equal(["sim-h100-sxm-3", "sim-l4-0"], nodes.Values.Where(n => n.Schedulable).Select(n => n.Name).Order());
        Assert.Equal("H100-SXM", nodes["sim-h100-sxm-3"].GpuType);
        Assert.Equal(8, nodes["sim-h100-sxm-3"].AllocatableGpus);
        Assert.Equal(("L4", 4), (nodes["sim-l4-0"].GpuType, nodes["sim-l4-0"].AllocatableGpus));
        Assert.True(nodes["sim-h100-sxm-0"].Cordoned);
        Assert.False(nodes["sim-h100-sxm-1"].Ready);
        Assert.True(nodes["sim-h100-sxm-2"].Tainted);
        Assert.Equal("sim-h100-sxm-rack-1", nodes["sim-h100-sxm-3"].Labels[SimulatedCluster.RackLabel]);
    }

    [Fact]
    public void A_configured_product_label_and_gpu_resource_are_read_instead_of_the_nvidia_defaults()
    {
        var node = new k8s.Models.V1Node
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "amd-0", Labels = new Dictionary<string, string> { ["example.com/gpu.product"] = "NVIDIA-H100-80GB-HBM3" } },
            Status = new k8s.Models.V1NodeStatus
            {
                Allocatable = new Dictionary<string, k8s.Models.ResourceQuantity> { ["example.com/gpu"] = new("4"), [GpuNode.GpuResource] = new("1") },
            },
        };

        var read = GpuNode.FromNode(node, GpuCatalog.Default, gpuProductLabel: "example.com/gpu.product", gpuResource: "example.com/gpu");

        Assert.Equal(("H100-SXM", 4), (read.GpuType, read.AllocatableGpus));
        Assert.Null(GpuNode.FromNode(node, GpuCatalog.Default).GpuType);
    }

    [Fact]
    public void A_blocking_taint_the_job_pods_tolerate_leaves_the_node_schedulable()
    {
        var node = new k8s.Models.V1Node
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "gke-gpu-0", Labels = new Dictionary<string, string> { [GpuNode.GpuProductLabel] = "NVIDIA-H100-80GB-HBM3" } },
            Spec = new k8s.Models.V1NodeSpec { Taints = [new k8s.Models.V1Taint { Key = "nvidia.com/gpu", Value = "present", Effect = "NoSchedule" }] },
            Status = new k8s.Models.V1NodeStatus
            {
                Allocatable = new Dictionary<string, k8s.Models.ResourceQuantity> { [GpuNode.GpuResource] = new("8") },
                Conditions = [new k8s.Models.V1NodeCondition { Type = "Ready", Status = "True" }],
            },
        };

        Assert.True(GpuNode.FromNode(node, GpuCatalog.Default, tolerated: t => t.Key == "nvidia.com/gpu").Schedulable);
        Assert.True(GpuNode.FromNode(node, GpuCatalog.Default).Tainted);
    }
}
