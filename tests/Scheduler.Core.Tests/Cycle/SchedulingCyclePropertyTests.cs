using System.Text;
using CsCheck;
using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;
using Scheduler.Core.Placement;
using Scheduler.Core.Snapshots;
using Scheduler.Core.Tests.Builders;

namespace Scheduler.Core.Tests.Cycle;

/// <summary>Invariants over random clusters and workloads (CsCheck; iteration counts kept small so the suite stays fast).</summary>
public sealed class SchedulingCyclePropertyTests
{
    private const int Iterations = 150;
    private static readonly string[] Types = ["A100-80GB", "H100-SXM"];
    private static readonly int[] Priorities = [100, 1000, 10_000];

    // Node CPU and memory from small to roomy, pods from light to heavy: CPU or memory, not only GPUs, often decides where a pod
    // fits (a 4-CPU node takes two 2-CPU pods; an 8 GiB node one 8 GiB pod).
    private static readonly long[] NodeCpu = [4_000, 16_000, 32_000, 64_000];
    private static readonly long[] NodeMemMiB = [8_192, 32_768, 131_072, 524_288];
    private static readonly long[] PodCpu = [500, 2_000, 8_000];
    private static readonly long[] PodMemMiB = [1_024, 8_192, 32_768];

    private static readonly Gen<(int Type, int Gpus, int Rack, bool Cordoned, int Cpu, int Mem)> GenNode =
        Gen.Select(Gen.Int[0, 1], Gen.Int[1, 8], Gen.Int[0, 1], Gen.Int[0, 9].Select(i => i == 0), Gen.Int[0, NodeCpu.Length - 1], Gen.Int[0, NodeMemMiB.Length - 1]);

    private static readonly Gen<(int Queue, int Priority, int Node, int Gpus, int Milli, int EndsInHours)> GenRunning =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[0, 7], Gen.Int[1, 4], Gen.Int[0, 3].Select(i => i == 0 ? 300 : 1000), Gen.Int[0, 12]);

    private static readonly Gen<(int Queue, int Priority, int Pods, int Gpus, int Shape, int AgeMinutes, int RuntimeHours, int Resources)> GenPending =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 2], Gen.Int[1, 3], Gen.Int[1, 8], Gen.Int[0, 5], Gen.Int[1, 600], Gen.Int[0, 6], Gen.Int[0, PodCpu.Length * PodMemMiB.Length - 1]);

    private static readonly Gen<(int Nominal, int Borrow, int Lend, bool Cohort)> GenQueue =
        Gen.Select(Gen.Int[0, 16], Gen.Int[-1, 8], Gen.Int[-1, 8], Gen.Bool);

    private static readonly Gen<(Snapshot Snapshot, SchedulerOptions Options)> GenCase =
        from nodes in GenNode.Array[1, 8]
        from queues in GenQueue.Array[4]
        from running in GenRunning.Array[0, 12]
        from pending in GenPending.Array[1, 24]
        from policy in Gen.Int[0, 4]
        from seed in Gen.ULong
        select (Build(nodes, queues, running, pending), new SchedulerOptions { Policy = (PlacementPolicy)policy, Seed = seed });

    private static Snapshot Build((int Type, int Gpus, int Rack, bool Cordoned, int Cpu, int Mem)[] nodes, (int Nominal, int Borrow, int Lend, bool Cohort)[] queues,
        (int Queue, int Priority, int Node, int Gpus, int Milli, int EndsInHours)[] running,
        (int Queue, int Priority, int Pods, int Gpus, int Shape, int AgeMinutes, int RuntimeHours, int Resources)[] pending)
    {
        var builder = new SnapshotBuilder();
        var free = nodes.Select(n => Enumerable.Repeat(1000, n.Gpus).ToArray()).ToArray();
        var freeCpu = nodes.Select(n => NodeCpu[n.Cpu]).ToArray();
        var freeMem = nodes.Select(n => NodeMemMiB[n.Mem]).ToArray();
        for (var i = 0; i < nodes.Length; i++)
        {
            builder.Node($"n{i}", Types[nodes[i].Type], nodes[i].Gpus, cpu: NodeCpu[nodes[i].Cpu], memMiB: NodeMemMiB[nodes[i].Mem],
                labels: new Dictionary<string, string> { ["rack"] = $"r{nodes[i].Rack}" }, unschedulable: nodes[i].Cordoned,
                topology: new NodeTopology { Block = "b0", Rack = $"r{nodes[i].Rack}" });
        }

        for (var q = 0; q < queues.Length; q++)
        {
            var (nominal, borrow, lend, cohort) = queues[q];
            builder.Queue($"q{q}", cohort: cohort ? "c" : null, quotas: [.. Types.Select(t => (t, nominal, borrow < 0 ? (int?)null : borrow, lend < 0 ? (int?)null : Math.Min(lend, nominal)))]);
        }

        for (var r = 0; r < running.Length; r++)
        {
            var job = running[r];
            var node = job.Node % nodes.Length;
            var gpus = free[node].Select((f, g) => (f, g)).Where(p => p.f >= job.Milli).Take(job.Milli < 1000 ? 1 : job.Gpus).Select(p => p.g).ToArray();
            if (gpus.Length == 0)
            {
                continue;
            }

            foreach (var g in gpus)
            {
                free[node][g] -= job.Milli;
            }

            // Running pods hold CPU and memory too (as much of 1 CPU and 4 GiB per GPU as the node has left), so a victim gives some back.
            var cpu = Math.Min(freeCpu[node], 1_000L * gpus.Length);
            var mem = Math.Min(freeMem[node], 4_096L * gpus.Length);
            freeCpu[node] -= cpu;
            freeMem[node] -= mem;
            builder.Running($"r{r}", $"q{job.Queue}", Priorities[job.Priority], [($"n{node}", gpus)], milli: job.Milli,
                endsIn: job.EndsInHours == 0 ? null : TimeSpan.FromHours(job.EndsInHours), sinceCheckpoint: TimeSpan.FromMinutes(r * 7 % 90), cpu: cpu, memMiB: mem);
        }

        for (var p = 0; p < pending.Length; p++)
        {
            var job = pending[p];
            var shared = job.Shape == 0;
            builder.Pending(Jobs.Pending($"p{p}", $"q{job.Queue}", gpus: shared ? 1 : job.Gpus, pods: shared ? 1 : job.Pods,
                priority: Priorities[job.Priority], type: job.Shape switch { 1 => Types[0], 2 => Types[1], 3 => $"{Types[1]}|{Types[0]}", _ => null },
                milli: shared ? 250 + 100 * (p % 6) : null, age: TimeSpan.FromMinutes(job.AgeMinutes),
                runtime: job.RuntimeHours == 0 ? null : TimeSpan.FromHours(job.RuntimeHours), topology: job.Shape == 4 ? "rack" : null,
                cpu: PodCpu[job.Resources % PodCpu.Length], memMiB: PodMemMiB[job.Resources / PodCpu.Length]) with
            {
                // Shape 5: a topology level, required or preferred (the rack of the node's topology, which matches its "rack" label).
                Topology = job.Shape == 5 ? new TopologyRequest(Scheduler.Domain.Specs.TopologyLevel.Rack, (Scheduler.Domain.Specs.TopologyMode)(p % 2)) : null,
            });
        }

        return builder.Build();
    }

    [Fact]
    public void No_gpu_or_node_is_ever_over_allocated_and_gangs_are_whole() =>
        GenCase.Sample(c =>
        {
            var result = SchedulingCycle.Run(c.Snapshot, c.Options);
            var nodes = c.Snapshot.Nodes.ToDictionary(n => n.Name);
            var free = c.Snapshot.Nodes.ToDictionary(n => n.Name, n => n.GpuFreeMilli.ToArray());
            var cpu = c.Snapshot.Nodes.ToDictionary(n => n.Name, n => n.CpuMilliFree);
            var mem = c.Snapshot.Nodes.ToDictionary(n => n.Name, n => n.MemoryMiBFree);
            foreach (var victim in result.Preemptions.Select(p => c.Snapshot.Running.Single(r => r.Id == p.JobId)))
            {
                foreach (var pod in victim.Pods)
                {
                    foreach (var g in pod.GpuIndices)
                    {
                        free[pod.Node][g] += pod.GpuMilli;
                    }

                    cpu[pod.Node] += pod.CpuMilli;
                    mem[pod.Node] += pod.MemoryMiB;
                }
            }

            foreach (var place in result.Placements)
            {
                var job = c.Snapshot.Pending.Single(j => j.Id == place.JobId);
                Assert.Equal(job.Pods, place.Pods.Count);
                if (job.Topology is { Mode: Scheduler.Domain.Specs.TopologyMode.Required } && job.Pods > 1)
                {
                    Assert.Single(place.Pods.Select(p => nodes[p.Node].Topology!.Rack).Distinct());
                }

                if (job.TopologyKey is { } key && job.Pods > 1)
                {
                    Assert.Single(place.Pods.Select(p => nodes[p.Node].Labels[key]).Distinct());
                }

                foreach (var pod in place.Pods)
                {
                    var node = nodes[pod.Node];
                    Assert.False(node.Unschedulable);
                    Assert.Equal(place.GpuType, node.GpuType);
                    Assert.True(job.GpuTypes.Count == 0 || job.GpuTypes.Contains(node.GpuType!));
                    Assert.Equal(job.GpuMilli is { } m and < 1000 ? 1 : job.GpusPerPod, pod.GpuIndices.Distinct().Count());
                    foreach (var g in pod.GpuIndices)
                    {
                        free[pod.Node][g] -= pod.GpuMilli;
                        Assert.True(free[pod.Node][g] >= 0, $"GPU {g} of {pod.Node} over-allocated");
                    }

                    cpu[pod.Node] -= job.CpuMilliPerPod;
                    Assert.True(cpu[pod.Node] >= 0, $"CPU of {pod.Node} over-allocated");
                    mem[pod.Node] -= job.MemoryMiBPerPod;
                    Assert.True(mem[pod.Node] >= 0, $"memory of {pod.Node} over-allocated");
                }
            }
        }, iter: Iterations);

    [Fact]
    public void Placements_never_exceed_nominal_plus_borrowing_nor_the_cohorts_lendable_pool() =>
        GenCase.Sample(c =>
        {
            var result = SchedulingCycle.Run(c.Snapshot, c.Options);
            var victims = result.Preemptions.Select(p => p.JobId).ToHashSet();
            var usage = new Dictionary<(string Queue, string Type), long>();
            var nodeType = c.Snapshot.Nodes.ToDictionary(n => n.Name, n => n.GpuType!);
            foreach (var job in c.Snapshot.Running.Where(r => !victims.Contains(r.Id)))
            {
                var key = (job.Queue, nodeType[job.Pods[0].Node]);
                usage[key] = usage.GetValueOrDefault(key) + job.Pods.Sum(p => (long)p.GpuIndices.Count * p.GpuMilli);
            }

            foreach (var place in result.Placements)
            {
                var job = c.Snapshot.Pending.Single(j => j.Id == place.JobId);
                var key = (job.Queue, place.GpuType!);
                usage[key] = usage.GetValueOrDefault(key) + place.Pods.Sum(p => (long)p.GpuIndices.Count * p.GpuMilli);
            }

            foreach (var (queue, type) in result.Placements.Select(p => (c.Snapshot.Pending.Single(j => j.Id == p.JobId).Queue, p.GpuType!)).Distinct())
            {
                var info = c.Snapshot.Queues.Single(q => q.Name == queue);
                var nominal = 1000L * info.NominalQuota.GetValueOrDefault(type);
                var limit = info.Cohort is null ? nominal : info.BorrowingLimit.TryGetValue(type, out var b) ? nominal + 1000L * b : long.MaxValue;
                Assert.True(usage.GetValueOrDefault((queue, type)) <= limit, $"{queue} over its {type} limit");
                if (info.Cohort is { } cohort)
                {
                    var members = c.Snapshot.Queues.Where(q => q.Cohort == cohort).ToArray();
                    long Lendable(QueueInfo q) => 1000L * Math.Min(q.NominalQuota.GetValueOrDefault(type), q.LendingLimit.TryGetValue(type, out var l) ? l : int.MaxValue);
                    var drawn = members.Sum(q => Math.Max(0, usage.GetValueOrDefault((q.Name, type)) - (1000L * q.NominalQuota.GetValueOrDefault(type) - Lendable(q))));
                    Assert.True(drawn <= members.Sum(Lendable), $"cohort {cohort} lent more {type} than its members lend");
                }
            }
        }, iter: Iterations);

    [Fact]
    public void Victims_have_lower_priority_in_the_same_queue_or_borrow_in_the_preemptors_cohort() =>
        GenCase.Sample(c =>
        {
            var result = SchedulingCycle.Run(c.Snapshot, c.Options);
            var placed = result.Placements.Select(p => p.JobId).ToHashSet();
            var queues = c.Snapshot.Queues.ToDictionary(q => q.Name);
            var nodeType = c.Snapshot.Nodes.ToDictionary(n => n.Name, n => n.GpuType!);
            Assert.Equal(result.Preemptions.Count(), result.Preemptions.Select(p => p.JobId).Distinct().Count());

            // Quota usage per queue and type as the cycle saw it, replayed in decision order: running jobs, then each placement, each
            // victim leaving and each preemptor's assumed demand once its victims are listed.
            var usage = new Dictionary<(string Queue, string Type), long>();
            foreach (var job in c.Snapshot.Running)
            {
                var key = (job.Queue, nodeType[job.Pods[0].Node]);
                usage[key] = usage.GetValueOrDefault(key) + job.Pods.Sum(p => (long)p.GpuIndices.Count * p.GpuMilli);
            }

            var decisions = result.Decisions;
            for (var d = 0; d < decisions.Count; d++)
            {
                if (decisions[d] is Place place)
                {
                    var key = (c.Snapshot.Pending.Single(j => j.Id == place.JobId).Queue, place.GpuType!);
                    usage[key] = usage.GetValueOrDefault(key) + place.Pods.Sum(p => (long)p.GpuIndices.Count * p.GpuMilli);
                    continue;
                }

                if (decisions[d] is not Preempt preempt)
                {
                    continue;
                }

                var victim = c.Snapshot.Running.Single(r => r.Id == preempt.JobId);
                var preemptor = c.Snapshot.Pending.Single(j => j.Id == preempt.ForJobId);
                var type = nodeType[victim.Pods[0].Node];
                var victimKey = (victim.Queue, type);
                Assert.DoesNotContain(preemptor.Id, placed);
                if (preempt.Reason == PreemptionReason.HigherPriorityInQueue)
                {
                    Assert.Equal(preemptor.Queue, victim.Queue);
                    Assert.True(victim.Priority < preemptor.Priority);
                }
                else
                {
                    Assert.NotEqual(preemptor.Queue, victim.Queue);
                    Assert.NotNull(queues[victim.Queue].Cohort);
                    Assert.Equal(queues[preemptor.Queue].Cohort, queues[victim.Queue].Cohort);
                    // Reclaim takes only from a queue that borrows the type: using more than its nominal quota of it, even after the
                    // victims listed before this one have gone.
                    var nominal = 1000L * queues[victim.Queue].NominalQuota.GetValueOrDefault(type);
                    Assert.True(usage.GetValueOrDefault(victimKey) > nominal,
                        $"reclaimed {victim.Id} from {victim.Queue}, which used {usage.GetValueOrDefault(victimKey)} of {nominal} {type} milli: not borrowing");
                }

                usage[victimKey] = usage.GetValueOrDefault(victimKey) - victim.Pods.Sum(p => (long)p.GpuIndices.Count * p.GpuMilli);
                if (d + 1 == decisions.Count || decisions[d + 1] is not Preempt next || next.ForJobId != preempt.ForJobId)
                {
                    var preemptorKey = (preemptor.Queue, type);
                    usage[preemptorKey] = usage.GetValueOrDefault(preemptorKey) + preemptor.TotalGpuMilli;
                }
            }
        }, iter: Iterations);

    [Fact]
    public void Jobs_that_run_past_a_reservation_leave_the_quota_the_reserved_job_needs_then() =>
        GenCase.Sample(c =>
        {
            var result = SchedulingCycle.Run(c.Snapshot, c.Options);
            var decisions = result.Decisions;
            var queues = c.Snapshot.Queues.ToDictionary(q => q.Name);
            var nodeType = c.Snapshot.Nodes.ToDictionary(n => n.Name, n => n.GpuType!);
            var victims = result.Preemptions.Select(p => p.JobId).ToHashSet();
            var pending = c.Snapshot.Pending.ToDictionary(j => j.Id);
            for (var r = 0; r < decisions.Count; r++)
            {
                if (decisions[r] is not Reserve reserve || pending[reserve.JobId].GpusPerPod == 0)
                {
                    continue;
                }

                // Usage at the reservation's time as the cycle may count it: running jobs that are not victims, everything admitted
                // before the reservation, and what was admitted after it that is predicted to run past it (or has no prediction).
                var reserved = pending[reserve.JobId];
                var type = nodeType[reserve.Nodes[0]];
                var usage = new Dictionary<string, long>();
                foreach (var job in c.Snapshot.Running.Where(j => !victims.Contains(j.Id) && nodeType[j.Pods[0].Node] == type))
                {
                    usage[job.Queue] = usage.GetValueOrDefault(job.Queue) + job.Pods.Sum(p => (long)p.GpuIndices.Count * p.GpuMilli);
                }

                for (var d = 0; d < decisions.Count; d++)
                {
                    var (jobId, milli) = decisions[d] switch
                    {
                        Place { GpuType: { } t } place when t == type => (place.JobId, place.Pods.Sum(p => (long)p.GpuIndices.Count * p.GpuMilli)),
                        Preempt preempt when nodeType[c.Snapshot.Running.Single(j => j.Id == preempt.JobId).Pods[0].Node] == type
                            && (d + 1 == decisions.Count || decisions[d + 1] is not Preempt next || next.ForJobId != preempt.ForJobId)
                            => (preempt.ForJobId, pending[preempt.ForJobId].TotalGpuMilli),
                        _ => (null, 0L),
                    };
                    if (jobId is null || (d > r && pending[jobId].PredictedRuntime is { } runtime && c.Snapshot.Now + runtime <= reserve.At))
                    {
                        continue;
                    }

                    usage[pending[jobId].Queue] = usage.GetValueOrDefault(pending[jobId].Queue) + milli;
                }

                usage[reserved.Queue] = usage.GetValueOrDefault(reserved.Queue) + reserved.TotalGpuMilli;
                var info = queues[reserved.Queue];
                var nominal = 1000L * info.NominalQuota.GetValueOrDefault(type);
                var limit = info.Cohort is null ? nominal : info.BorrowingLimit.TryGetValue(type, out var b) ? nominal + 1000L * b : long.MaxValue;
                Assert.True(usage[reserved.Queue] <= limit, $"{reserved.Queue} could not start {reserved.Id} at {reserve.At:O} within its {type} limit");
                if (info.Cohort is { } cohort)
                {
                    var members = c.Snapshot.Queues.Where(q => q.Cohort == cohort).ToArray();
                    long Lendable(QueueInfo q) => 1000L * Math.Min(q.NominalQuota.GetValueOrDefault(type), q.LendingLimit.TryGetValue(type, out var l) ? l : int.MaxValue);
                    var drawn = members.Sum(q => Math.Max(0, usage.GetValueOrDefault(q.Name) - (1000L * q.NominalQuota.GetValueOrDefault(type) - Lendable(q))));
                    Assert.True(drawn <= members.Sum(Lendable), $"cohort {cohort} could not lend {reserved.Id} its {type} at {reserve.At:O}");
                }
            }
        }, iter: Iterations);

    [Fact]
    public void Every_pending_job_gets_a_decision_and_the_same_snapshot_gives_the_same_decisions() =>
        GenCase.Sample(c =>
        {
            var first = SchedulingCycle.Run(c.Snapshot, c.Options);
            var second = SchedulingCycle.Run(c.Snapshot, c.Options);
            Assert.Equal(Describe(first), Describe(second));
            var decided = first.Decisions.Where(d => d is not Preempt).Select(d => d.JobId).ToHashSet();
            Assert.All(c.Snapshot.Pending, job => Assert.Contains(job.Id, decided));
            Assert.All(first.PendingJobs, p => Assert.False(string.IsNullOrWhiteSpace(p.Reason)));
            Assert.Empty(first.Placements.Select(p => p.JobId).Intersect(first.PendingJobs.Select(p => p.JobId)));
        }, iter: Iterations);

    [Fact]
    public void An_old_job_is_not_starved_by_a_steady_stream_of_same_class_work_from_a_lighter_queue() =>
        Gen.Select(Gen.Int[0, 200], Gen.Int[1, 3]).Sample(p =>
        {
            var (heavyUsage, arrivals) = p;
            var options = new SchedulerOptions { AgingPerHour = 0.5 };
            var now = SnapshotBuilder.T0;
            var fresh = 0;
            var placed = false;
            for (var cycle = 0; cycle < 400 && !placed; cycle++, now = now.AddHours(1))
            {
                // One GPU frees up each hour; the light queue submits new work every hour.
                var builder = new SnapshotBuilder().At(now)
                    .Node("n", "H100-SXM", 1)
                    .Queue("heavy", usageGpuHours: heavyUsage, quotas: [("H100-SXM", 1, null, null)])
                    .Queue("light", quotas: [("H100-SXM", 1, null, null)])
                    .Pending(Jobs.Pending("old", "heavy", gpus: 1) with { CreatedAt = SnapshotBuilder.T0 });
                for (var i = 0; i < arrivals; i++)
                {
                    builder.Pending(Jobs.Pending($"fresh-{fresh++}", "light", gpus: 1) with { CreatedAt = now });
                }

                placed = SchedulingCycle.Run(builder.Build(), options).Placements.Any(x => x.JobId == "old");
            }

            Assert.True(placed, "the old job starved");
        }, iter: 20);

    private static string Describe(CycleResult result)
    {
        var text = new StringBuilder();
        foreach (var decision in result.Decisions)
        {
            text.Append(decision switch
            {
                Place p => $"place {p.JobId} {p.GpuType} {string.Join(';', p.Pods.Select(x => $"{x.Node}:{string.Join(',', x.GpuIndices)}@{x.GpuMilli}"))}",
                Reserve r => $"reserve {r.JobId} {r.At:O} {string.Join(',', r.Nodes)}",
                _ => decision.ToString(),
            }).Append('\n');
        }

        return text.ToString();
    }
}
