using Scheduler.Application.Dashboard;
using Scheduler.Domain.Jobs;

namespace Scheduler.Dashboard.Tests;

public sealed class GpuHoldingTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Job = Guid.NewGuid();

    private static JobEvent At(int minutes, int sequence, JobState to) => new(Job, sequence, null, to, "r", T0.AddMinutes(minutes));

    [Fact]
    public void Holds_from_admission_until_leaving_the_holding_states_and_counts_the_grace_period_of_a_preemption()
    {
        var events = new[]
        {
            At(0, 1, JobState.Queued), At(10, 2, JobState.Admitted), At(11, 3, JobState.Running), At(30, 4, JobState.Preempted),
            At(32, 5, JobState.Queued), At(40, 6, JobState.Admitted), At(41, 7, JobState.Running),
        };

        var intervals = GpuHolding.Intervals(events.Reverse(), now: T0.AddMinutes(50));

        Assert.Equal([new HoldInterval(T0.AddMinutes(10), T0.AddMinutes(32)), new HoldInterval(T0.AddMinutes(40), T0.AddMinutes(50))], intervals);
        Assert.Equal(32 / 60.0, intervals.Sum(i => i.HoursWithin(T0, T0.AddMinutes(50))), 9);
        Assert.Equal(7 / 60.0, intervals.Sum(i => i.HoursWithin(T0.AddMinutes(30), T0.AddMinutes(45))), 9);
    }

    [Fact]
    public void Allocation_sums_pods_sharing_a_gpu_caps_it_at_whole_and_ignores_finished_and_unbound_pods()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var c = Guid.NewGuid();
        var state = new ClusterSnapshot(
            [new ClusterNode("n1", "A100-80GB", 4, true, true)],
            [
                new ClusterPod("a-0", a, "n1", [0], 600, "Running"),
                new ClusterPod("b-0", b, "n1", [0], 600, "Running"),
                new ClusterPod("c-0", c, "n1", [1, 2], 1000, "Succeeded"),
                new ClusterPod("d-0", c, null, [3], 1000, "Pending"),
            ]);

        var node = Assert.Single(ClusterAllocation.Of(state));

        Assert.Equal([1000, 0, 0, 0], node.Gpus.Select(g => g.AllocatedMilli));
        Assert.Equal([a, b], node.Gpus[0].Jobs);
        Assert.Equal(1.0, node.AllocatedGpus);
        Assert.Equal("A100-80GB", ClusterAllocation.PlacedGpuTypes(state)[a]);
        Assert.False(ClusterAllocation.PlacedGpuTypes(state).ContainsKey(c));
    }
}
