using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Scheduler.Domain.Catalog;
using Scheduler.Kubernetes.Watching;
using Scheduler.Operator.Inventory;

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

    /// <summary>A node whose Ready condition carries no transition time.</summary>
    private static V1Node Node(bool ready) => new()
    {
        Metadata = new V1ObjectMeta { Name = "node-a" },
        Status = new V1NodeStatus { Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "Unknown" }] },
    };
}
