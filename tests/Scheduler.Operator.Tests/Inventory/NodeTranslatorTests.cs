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
}
