using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Jobs;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Pods;

namespace Scheduler.Operator.Tests.Inventory;

public sealed class ClusterInventoryTests
{
    [Fact]
    public void A_node_not_ready_without_a_recorded_time_counts_from_when_it_was_first_seen_so()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), clock);
        var firstSeen = clock.GetUtcNow();

        inventory.Apply(new ResourceEvent<V1Node>(ResourceEventType.Added, Node(ready: false)));
        clock.Advance(TimeSpan.FromMinutes(1));
        inventory.Apply(new ResourceEvent<V1Node>(ResourceEventType.Modified, Node(ready: false)));

        Assert.Equal(firstSeen, inventory.NotReadyNodes["node-a"]);
        inventory.Apply(new ResourceEvent<V1Node>(ResourceEventType.Modified, Node(ready: true)));
        Assert.Empty(inventory.NotReadyNodes);
    }

    [Fact]
    public void A_foreign_gpu_pod_is_kept_apart_from_ours_with_its_kubelet_counted_requests_until_it_ends()
    {
        var inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), TimeProvider.System);
        var changes = 0;
        inventory.Changed += () => changes++;

        inventory.ApplyForeign(new ResourceEvent<V1Pod>(ResourceEventType.Added, ForeignGpuPod("Running")));

        Assert.Empty(inventory.Pods);
        // Containers 2 + 4 GPUs beat the init container's 5; CPU from a limit without a request; memory 1 + 2 GiB.
        Assert.Equal(new ForeignPod("other", "inference", "node-a", 6, 1_500, 3_072), Assert.Single(inventory.ForeignPods));
        Assert.Equal(1, changes);

        inventory.ApplyForeign(new ResourceEvent<V1Pod>(ResourceEventType.Modified, ForeignGpuPod("Running")));
        Assert.Equal(1, changes);

        inventory.ApplyForeign(new ResourceEvent<V1Pod>(ResourceEventType.Modified, ForeignGpuPod("Succeeded")));
        Assert.Empty(inventory.ForeignPods);
        Assert.Equal(2, changes);
    }

    [Fact]
    public void A_deleted_foreign_pod_gives_its_gpus_back()
    {
        var inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), TimeProvider.System);
        inventory.ApplyForeign(new ResourceEvent<V1Pod>(ResourceEventType.Added, ForeignGpuPod("Pending")));
        Assert.Single(inventory.ForeignPods);

        inventory.ApplyForeign(new ResourceEvent<V1Pod>(ResourceEventType.Deleted, ForeignGpuPod("Pending")));

        Assert.Empty(inventory.ForeignPods);
    }

    [Fact]
    public void Our_own_pods_unbound_pods_and_pods_without_gpus_are_not_foreign_holders()
    {
        var inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), TimeProvider.System);
        var ours = ForeignGpuPod("Running");
        ours.Metadata.Labels = new Dictionary<string, string> { [WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy };
        var unbound = ForeignGpuPod("Pending");
        unbound.Metadata.Name = "unbound";
        unbound.Spec.NodeName = null;
        var cpuOnly = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "other" },
            Spec = new V1PodSpec { NodeName = "node-a", Containers = [Container(cpu: "2")] },
            Status = new V1PodStatus { Phase = "Running" },
        };

        foreach (var pod in new[] { ours, unbound, cpuOnly })
        {
            inventory.ApplyForeign(new ResourceEvent<V1Pod>(ResourceEventType.Added, pod));
        }

        inventory.ApplyForeign(new ResourceEvent<V1Pod>(ResourceEventType.Synced, null));

        Assert.Empty(inventory.ForeignPods);
        Assert.Empty(inventory.Pods);
        Assert.True(inventory.ForeignPodsSynced);
    }

    [Fact]
    public void A_pod_deleted_before_the_watch_showed_it_holds_its_gpus_until_the_watch_shows_it()
    {
        var inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), TimeProvider.System);
        var holds = new JobPodPlacement(0, "node-a", [0, 1], 1000, 4000, 8192);

        Assert.True(inventory.ExpectDeletion("team", "torn-0", holds));

        Assert.Equal(holds, Assert.Single(inventory.UnseenDeletions(TimeSpan.FromSeconds(10))));
        // The watch catches up: from then on the pod itself (terminating, then deleted) says what it holds.
        inventory.Apply(new ResourceEvent<V1Pod>(ResourceEventType.Added, OwnPod("torn-0")));
        Assert.Empty(inventory.UnseenDeletions(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void A_deletion_of_a_pod_the_watch_shows_or_that_never_existed_holds_nothing_extra()
    {
        var inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), TimeProvider.System);
        inventory.Apply(new ResourceEvent<V1Pod>(ResourceEventType.Added, OwnPod("seen-0")));
        var holds = new JobPodPlacement(0, "node-a", [0], 1000, 0, 0);

        Assert.False(inventory.ExpectDeletion("team", "seen-0", holds));
        Assert.True(inventory.ExpectDeletion("team", "never-created-1", holds));
        inventory.ForgetDeletion("team", "never-created-1");

        Assert.Empty(inventory.UnseenDeletions(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void An_unseen_deletion_is_trusted_no_longer_than_the_watch_lag()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
        var inventory = new ClusterInventory(new NodeTranslator(GpuCatalog.Default), clock);
        inventory.ExpectDeletion("team", "lost-0", new JobPodPlacement(0, "node-a", [0], 1000, 0, 0));

        clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Single(inventory.UnseenDeletions(TimeSpan.FromSeconds(10)));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(inventory.UnseenDeletions(TimeSpan.FromSeconds(10)));
    }

    private static V1Pod OwnPod(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team", Labels = new Dictionary<string, string> { [WorkloadLabels.ManagedByKey] = WorkloadLabels.ManagedBy } },
        Spec = new V1PodSpec { NodeName = "node-a", Containers = [Container(gpus: "1")] },
        Status = new V1PodStatus { Phase = "Pending" },
    };

    /// <summary>Another scheduler's pod on node-a: two containers (2 and 4 GPUs) and an init container of 5.</summary>
    private static V1Pod ForeignGpuPod(string phase) => new()
    {
        Metadata = new V1ObjectMeta { Name = "inference", NamespaceProperty = "other", Labels = new Dictionary<string, string> { ["app"] = "inference" } },
        Spec = new V1PodSpec
        {
            NodeName = "node-a",
            InitContainers = [Container(gpus: "5", memory: "1Gi")],
            Containers = [Container(gpus: "2", cpu: "500m", memory: "1Gi"), Container(gpus: "4", cpuLimit: "1", memory: "2Gi")],
        },
        Status = new V1PodStatus { Phase = phase },
    };

    private static V1Container Container(string? gpus = null, string? cpu = null, string? cpuLimit = null, string? memory = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        if (gpus is not null)
        {
            limits["nvidia.com/gpu"] = new ResourceQuantity(gpus);
        }

        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (cpuLimit is not null)
        {
            limits["cpu"] = new ResourceQuantity(cpuLimit);
        }

        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        return new V1Container { Name = "c", Image = "busybox", Resources = new V1ResourceRequirements { Requests = requests, Limits = limits } };
    }

    /// <summary>A node whose Ready condition carries no transition time.</summary>
    private static V1Node Node(bool ready) => new()
    {
        Metadata = new V1ObjectMeta { Name = "node-a" },
        Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "Unknown" }] },
    };
}
