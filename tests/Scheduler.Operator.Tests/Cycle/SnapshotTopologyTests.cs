using Scheduler.Core.Snapshots;
using Scheduler.Domain.Jobs;
using Scheduler.Domain.Queues;
using Scheduler.Domain.Specs;
using Scheduler.Operator.Cycle;
using Scheduler.Operator.Inventory;
using Scheduler.Operator.Store;
using static Scheduler.Testing.Builders.JobSpecBuilder;

namespace Scheduler.Operator.Tests.Cycle;

public sealed class SnapshotTopologyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_nodes_topology_and_the_jobs_topology_level_reach_the_core_snapshot()
    {
        var topology = new NodeTopology { Zone = "z1", Block = "b0", Rack = "r4" };
        var node = new NodeCapacity("node-a", "A100-80GB", 8, 96_000, 1_048_576, new Dictionary<string, string>(), [], false, true, null, topology);
        var job = new OperatorJob
        {
            Id = JobId.Parse("0194a2b3-0000-7000-8000-00000000000c"),
            Name = "gang",
            Queue = "research",
            Namespace = "training",
            PriorityClass = "normal",
            State = JobState.Queued,
            QueuedAt = Now,
            Spec = JobSpecNormalizer.Normalize(AJob("gang").Gpus(16, gpusPerNode: 8).Build() with
            {
                Topology = new TopologySpec { Level = TopologyLevel.Rack, Mode = TopologyMode.Preferred },
            }),
        };

        var snapshot = new SnapshotBuilder(PriorityClasses.Default).Build(Now, [node], [], [job]);

        Assert.Equal(topology, Assert.Single(snapshot.Nodes).Topology);
        Assert.Equal(new TopologyRequest(TopologyLevel.Rack, TopologyMode.Preferred), Assert.Single(snapshot.Pending).Topology);
    }
}
