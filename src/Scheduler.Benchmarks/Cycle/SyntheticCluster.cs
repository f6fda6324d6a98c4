using Scheduler.Core.Snapshots;

namespace Scheduler.Benchmarks.Cycle;

/// <summary>
/// The cycle benchmark's snapshot: 5,000 nodes × 8 GPUs of four types in racks of 20; 100 queues in 10 cohorts with nominal quotas
/// that add up to the cluster; running jobs filling 70% of the GPUs; 50,000 pending jobs with a realistic mix of shapes
/// (shared, 1–8 GPUs, 2–4 × 8-GPU gangs, some bound to a rack), priorities, GPU-type constraints, ages and predicted runtimes.
/// </summary>
internal static class SyntheticCluster
{
    private static readonly string[] Types = ["H100-SXM", "A100-80GB", "L40S", "A10"];

    public static Snapshot Build(int nodes = 5000, int gpusPerNode = 8, int pending = 50_000, int queues = 100, int cohorts = 10, double occupied = 0.7, int seed = 42)
    {
        var random = new Random(seed);
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        var free = new int[nodes][];
        var cpu = new long[nodes];
        var mem = new long[nodes];
        var typeOf = new int[nodes];
        for (var n = 0; n < nodes; n++)
        {
            free[n] = Enumerable.Repeat(1000, gpusPerNode).ToArray();
            cpu[n] = 128_000;
            mem[n] = 1024 * 1024;
            typeOf[n] = n * Types.Length / nodes;
        }

        var queueInfos = new List<QueueInfo>();
        var perQueue = nodes * gpusPerNode / Types.Length / queues;
        for (var q = 0; q < queues; q++)
        {
            queueInfos.Add(new QueueInfo
            {
                Name = $"team-{q:D3}",
                Cohort = $"org-{q % cohorts}",
                NominalQuota = Types.ToDictionary(t => t, _ => perQueue),
                FairShareWeight = 1 + q % 3,
                DecayedUsageGpuHours = random.Next(0, 5000),
                UsageAsOf = now.AddHours(-1),
            });
        }

        // Running jobs: place shapes first-fit from a random node of a random type until 70% of the GPUs are taken.
        var running = new List<RunningJob>();
        long target = (long)(occupied * nodes * gpusPerNode * 1000);
        long used = 0;
        var id = 0;
        while (used < target)
        {
            var (pods, gpus, milli) = Shape(random);
            var type = random.Next(Types.Length);
            var start = type * nodes / Types.Length + random.Next(nodes / Types.Length);
            var assignments = new List<PodAssignment>();
            for (var k = 0; k < nodes / Types.Length && assignments.Count < pods; k++)
            {
                var n = type * nodes / Types.Length + (start + k) % (nodes / Types.Length);
                var chosen = free[n].Select((f, g) => (f, g)).Where(p => p.f >= milli).Take(gpus).Select(p => p.g).ToArray();
                if (chosen.Length < gpus || cpu[n] < gpus * 8000L)
                {
                    continue;
                }

                foreach (var g in chosen)
                {
                    free[n][g] -= milli;
                }

                cpu[n] -= gpus * 8000L;
                mem[n] -= gpus * 65536L;
                assignments.Add(new PodAssignment($"node-{n:D4}", chosen, milli, gpus * 8000L, gpus * 65536L));
            }

            if (assignments.Count < pods)
            {
                continue;
            }

            used += (long)pods * gpus * milli;
            running.Add(new RunningJob
            {
                Id = $"run-{id++}",
                Queue = $"team-{random.Next(queues):D3}",
                Priority = Priority(random),
                Pods = assignments,
                StartedAt = now.AddMinutes(-random.Next(1, 600)),
                Progress = random.NextDouble(),
                LastCheckpointAt = now.AddMinutes(-random.Next(1, 120)),
                PredictedEnd = now.AddMinutes(random.Next(5, 24 * 60)),
            });
        }

        var pendingJobs = new List<PendingJob>(pending);
        for (var j = 0; j < pending; j++)
        {
            var (pods, gpus, milli) = Shape(random);
            var typeRoll = random.Next(10);
            string[] types = typeRoll < 5 ? [Types[random.Next(Types.Length)]] : typeRoll < 8 ? [Types[0], Types[1]] : [];
            pendingJobs.Add(new PendingJob
            {
                Id = $"job-{j}",
                Queue = $"team-{random.Next(queues):D3}",
                Priority = Priority(random),
                CreatedAt = now.AddMinutes(-random.Next(1, 48 * 60)),
                Pods = pods,
                GpusPerPod = gpus,
                GpuMilli = milli < 1000 ? milli : null,
                GpuTypes = types,
                CpuMilliPerPod = gpus * 8000L,
                MemoryMiBPerPod = gpus * 65536L,
                TopologyKey = pods > 1 && random.Next(3) == 0 ? "rack" : null,
                PredictedRuntime = TimeSpan.FromMinutes(random.Next(10, 12 * 60)),
            });
        }

        var nodeInfos = new NodeInfo[nodes];
        for (var n = 0; n < nodes; n++)
        {
            nodeInfos[n] = new NodeInfo
            {
                Name = $"node-{n:D4}",
                GpuType = Types[typeOf[n]],
                GpuFreeMilli = free[n],
                CpuMilliFree = cpu[n],
                MemoryMiBFree = mem[n],
                Labels = new Dictionary<string, string> { ["rack"] = $"rack-{n / 20}" },
            };
        }

        return new Snapshot { Now = now, Nodes = nodeInfos, Queues = queueInfos, Running = running, Pending = pendingJobs };
    }

    private static (int Pods, int Gpus, int Milli) Shape(Random random) => random.Next(100) switch
    {
        < 10 => (1, 1, 250 * random.Next(1, 4)),
        < 40 => (1, 1, 1000),
        < 55 => (1, 2, 1000),
        < 70 => (1, 4, 1000),
        < 90 => (1, 8, 1000),
        _ => (random.Next(2, 5), 8, 1000),
    };

    private static int Priority(Random random) => random.Next(10) switch
    {
        < 2 => 100,
        < 9 => 1000,
        _ => 10_000,
    };
}
