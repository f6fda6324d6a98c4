using System.Globalization;
using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;
using Scheduler.Core.Snapshots;
using Scheduler.Domain.Specs;

namespace Scheduler.Benchmarks.Topology;

/// <summary>
/// Topology-aware against topology-blind placement on a synthetic cluster of racks (racks of nodes of 8 GPUs, racks in blocks)
/// under a seeded stream of gangs (8–512 GPUs, 8 per pod) and small jobs (1–4 GPUs). Simulated time: every arrival and end runs
/// one cycle of the real core; placements start at once and run their drawn duration. Reported per mode: the share of placed
/// gangs inside one rack (of those a rack can hold) and inside one block, the GPU allocation ratio over the arrival window,
/// and the mean gang wait. <c>preferred</c>: each gang prefers the smallest level that can hold it (rack, else block);
/// <c>required</c>: the same levels required (a gang larger than a block has none); <c>blind</c>: the same jobs with no
/// topology (the default policy alone).
/// </summary>
internal static class TopologyBenchmark
{
    private const int GpusPerNode = 8;

    public sealed record Setup(int Racks = 64, int NodesPerRack = 16, int RacksPerBlock = 8, int Jobs = 3000, double Load = 0.9, int Seed = 1, double GangShare = 0.3);

    public sealed record Result(string Mode, int Gangs, int Placed, double InRack, double InBlock, double AllocationRatio, double MeanGangWaitHours, int Cycles, double Seconds);

    private sealed record SyntheticJob(string Id, DateTimeOffset Arrival, int Pods, int GpusPerPod, TimeSpan Duration, bool Gang);

    public static IEnumerable<string> Run(Setup setup)
    {
        var jobs = Workload(setup);
        foreach (var mode in new TopologyMode?[] { TopologyMode.Preferred, TopologyMode.Required, null })
        {
            var result = Simulate(setup, jobs, mode);
            yield return string.Create(CultureInfo.InvariantCulture,
                $"topology={result.Mode} racks={setup.Racks}x{setup.NodesPerRack}x{GpusPerNode} jobs={jobs.Count} gangs={result.Gangs} placed={result.Placed} " +
                $"inRack={result.InRack * 100:0.0}% inBlock={result.InBlock * 100:0.0}% alloc={result.AllocationRatio * 100:0.00}% " +
                $"meanGangWait={result.MeanGangWaitHours:0.00}h cycles={result.Cycles} seconds={result.Seconds:0.0}");
        }
    }

    /// <summary>Gang sizes 8–512 GPUs, smaller ones more often; small jobs 1, 2 or 4 GPUs; durations exponential (gangs 4 h, small 1 h mean).</summary>
    private static List<SyntheticJob> Workload(Setup setup)
    {
        var random = new Random(setup.Seed);
        int[] gangSizes = [8, 16, 32, 64, 128, 256, 512];
        double[] gangWeights = [0.25, 0.22, 0.18, 0.14, 0.1, 0.07, 0.04];
        var drawn = new List<(int Pods, int PerPod, TimeSpan Duration, bool Gang)>();
        for (var i = 0; i < setup.Jobs; i++)
        {
            if (random.NextDouble() < setup.GangShare)
            {
                var gpus = gangSizes[Pick(random, gangWeights)];
                drawn.Add((gpus / GpusPerNode, GpusPerNode, Exponential(random, 4), true));
            }
            else
            {
                drawn.Add((1, 1 << random.Next(3), Exponential(random, 1), false));
            }
        }

        // Arrivals spread uniformly over the window in which the offered GPU time is Load × the cluster's.
        var capacity = (double)setup.Racks * setup.NodesPerRack * GpusPerNode;
        var gpuHours = drawn.Sum(j => j.Pods * j.PerPod * j.Duration.TotalHours);
        var window = TimeSpan.FromHours(gpuHours / (capacity * setup.Load));
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var arrivals = drawn.Select(_ => random.NextDouble()).Order().ToArray();
        return drawn.Select((j, i) => new SyntheticJob($"job-{i:D5}", start + (window * arrivals[i]), j.Pods, j.PerPod, j.Duration, j.Gang)).ToList();
    }

    private static int Pick(Random random, double[] weights)
    {
        var x = random.NextDouble() * weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            x -= weights[i];
            if (x < 0)
            {
                return i;
            }
        }

        return weights.Length - 1;
    }

    private static TimeSpan Exponential(Random random, double meanHours) =>
        TimeSpan.FromHours(Math.Clamp(-Math.Log(1 - random.NextDouble()) * meanHours, meanHours / 20, meanHours * 6));

    private static Result Simulate(Setup setup, List<SyntheticJob> jobs, TopologyMode? mode)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var nodeCount = setup.Racks * setup.NodesPerRack;
        var names = new string[nodeCount];
        var topology = new NodeTopology[nodeCount];
        var free = new int[nodeCount][];
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var n = 0; n < nodeCount; n++)
        {
            var rack = n / setup.NodesPerRack;
            names[n] = $"r{rack:D3}-n{n % setup.NodesPerRack:D2}";
            topology[n] = new NodeTopology { Zone = "z", Block = $"b{rack / setup.RacksPerBlock}", Rack = $"r{rack}" };
            free[n] = Enumerable.Repeat(1000, GpusPerNode).ToArray();
            index[names[n]] = n;
        }

        var rackGpus = setup.NodesPerRack * GpusPerNode;
        var blockGpus = rackGpus * setup.RacksPerBlock;
        var queue = new QueueInfo { Name = "all", NominalQuota = new Dictionary<string, int> { ["H100-SXM"] = nodeCount * GpusPerNode } };
        var pending = new List<SyntheticJob>();
        var running = new Dictionary<string, (SyntheticJob Job, Place Place, DateTimeOffset End)>(StringComparer.Ordinal);
        var ends = new PriorityQueue<string, DateTimeOffset>();
        var options = new SchedulerOptions { Preemption = false };
        var window = jobs[^1].Arrival;
        var now = jobs[0].Arrival;
        var next = 0;
        int gangs = 0, placedGangs = 0, rackable = 0, inRack = 0, blockable = 0, inBlock = 0, cycles = 0;
        double allocatedTime = 0, gangWait = 0;
        var allocated = 0;
        while (next < jobs.Count || pending.Count > 0)
        {
            var eventAt = next < jobs.Count ? jobs[next].Arrival : DateTimeOffset.MaxValue;
            if (ends.TryPeek(out _, out var endAt) && endAt < eventAt)
            {
                eventAt = endAt;
            }

            if (eventAt == DateTimeOffset.MaxValue)
            {
                break; // pending jobs that nothing running will ever make room for
            }

            if (now < window)
            {
                allocatedTime += allocated * ((eventAt < window ? eventAt : window) - now).TotalHours;
            }

            now = eventAt;
            while (ends.TryPeek(out var id, out var at) && at <= now)
            {
                ends.Dequeue();
                var (job, place, _) = running[id];
                running.Remove(id);
                foreach (var pod in place.Pods)
                {
                    foreach (var g in pod.GpuIndices)
                    {
                        free[index[pod.Node]][g] = 1000;
                    }
                }

                allocated -= job.Pods * job.GpusPerPod;
            }

            while (next < jobs.Count && jobs[next].Arrival <= now)
            {
                pending.Add(jobs[next++]);
            }

            var snapshot = new Snapshot
            {
                Now = now,
                Nodes = Enumerable.Range(0, nodeCount).Select(n => new NodeInfo
                {
                    Name = names[n],
                    GpuType = "H100-SXM",
                    GpuFreeMilli = free[n].ToArray(),
                    CpuMilliFree = 1_000_000,
                    MemoryMiBFree = 1_000_000_000,
                    Topology = topology[n],
                }).ToList(),
                Queues = [queue],
                Running = running.Values.Select(r => new RunningJob
                {
                    Id = r.Job.Id,
                    Queue = "all",
                    Pods = r.Place.Pods.Select(p => new PodAssignment(p.Node, p.GpuIndices, 1000, 0, 0)).ToList(),
                    StartedAt = r.End - r.Job.Duration,
                    PredictedEnd = r.End,
                }).ToList(),
                Pending = pending.Select(j => new PendingJob
                {
                    Id = j.Id,
                    Queue = "all",
                    CreatedAt = j.Arrival,
                    Pods = j.Pods,
                    GpusPerPod = j.GpusPerPod,
                    GpuTypes = ["H100-SXM"],
                    PredictedRuntime = j.Duration,
                    Topology = mode is { } m && j.Gang && j.Pods * j.GpusPerPod <= blockGpus
                        ? new TopologyRequest(j.Pods * j.GpusPerPod <= rackGpus ? TopologyLevel.Rack : TopologyLevel.Block, m)
                        : mode == TopologyMode.Preferred && j.Gang ? new TopologyRequest(TopologyLevel.Block, TopologyMode.Preferred) : null,
                }).ToList(),
            };
            var result = SchedulingCycle.Run(snapshot, options);
            cycles++;
            foreach (var place in result.Placements)
            {
                var job = pending.First(j => j.Id == place.JobId);
                pending.Remove(job);
                foreach (var pod in place.Pods)
                {
                    foreach (var g in pod.GpuIndices)
                    {
                        free[index[pod.Node]][g] = 0;
                    }
                }

                allocated += job.Pods * job.GpusPerPod;
                running[job.Id] = (job, place, now + job.Duration);
                ends.Enqueue(job.Id, now + job.Duration);
                if (job.Gang)
                {
                    placedGangs++;
                    gangWait += (now - job.Arrival).TotalHours;
                    var racks = place.Pods.Select(p => p.Node[..4]).Distinct().Count();
                    var blocks = place.Pods.Select(p => index[p.Node] / setup.NodesPerRack / setup.RacksPerBlock).Distinct().Count();
                    var gpus = job.Pods * job.GpusPerPod;
                    if (gpus <= rackGpus)
                    {
                        rackable++;
                        inRack += racks == 1 ? 1 : 0;
                    }

                    if (gpus <= blockGpus)
                    {
                        blockable++;
                        inBlock += blocks == 1 ? 1 : 0;
                    }
                }
            }
        }

        gangs = jobs.Count(j => j.Gang);
        var capacity = (double)nodeCount * GpusPerNode;
        var windowHours = (window - jobs[0].Arrival).TotalHours;
        return new Result(mode switch { TopologyMode.Preferred => "preferred", TopologyMode.Required => "required", _ => "blind" }, gangs, placedGangs, rackable == 0 ? 0 : (double)inRack / rackable,
            blockable == 0 ? 0 : (double)inBlock / blockable, allocatedTime / (capacity * windowHours),
            placedGangs == 0 ? 0 : gangWait / placedGangs, cycles, watch.Elapsed.TotalSeconds);
    }
}
