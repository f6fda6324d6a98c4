using System.Diagnostics;
using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;
using Scheduler.Core.Placement;
using Scheduler.Core.Snapshots;

namespace Scheduler.Benchmarks.Replay;

/// <summary>
/// Time-based replay of an openb pod list: tasks arrive at <c>creation_time</c> and run for <c>deletion_time − creation_time</c>.
/// The trace as recorded loads its cluster to 0.2%, and the whole task list fits the cluster at once, so the replay runs on every
/// fifth node (1/5 of the cluster, same model mix) and arrivals are compressed by a factor that makes the
/// GPU time requested within the arrival window <c>--load</c> of the cluster's; runtimes are kept. Compared: strict FIFO (the head
/// blocks everyone behind it) against our cycle (best-effort order with EASY backfill on predicted runtimes), both placing with
/// the fragmentation-aware policy; predictions are the true runtime, or the true runtime with ±30% uniform noise.
/// </summary>
internal static class ReplayBenchmark
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static IReadOnlyList<ReplayLine> Run(string podsPath, string nodesPath, double load, int nodeStride = 5)
    {
        // Every task of the list fits the whole cluster at once, so no queue could form: replay on every n-th node.
        var nodes = TraceFiles.ReadNodes(nodesPath).Where((_, i) => i % nodeStride == 0).ToArray();
        var tasks = TraceFiles.ReadTasks(podsPath).Where(t => t.CreationTime is not null && t.DeletionTime > t.CreationTime).ToArray();
        var capacity = nodes.Sum(n => n.Gpus * 1000.0);
        var span = tasks.Max(t => t.CreationTime!.Value) - tasks.Min(t => t.CreationTime!.Value);
        var compression = Compression(tasks, capacity, span, load);
        return
        [
            Simulate("fifo", nodes, tasks, compression, noise: 0, backfill: false),
            Simulate("ours+backfill (true runtime)", nodes, tasks, compression, noise: 0, backfill: true),
            Simulate("ours+backfill (±30% runtime)", nodes, tasks, compression, noise: 0.3, backfill: true),
        ];
    }

    /// <summary>
    /// The factor k such that, with arrivals at <c>creation_time / k</c>, the GPU time requested inside the arrival window (each task
    /// counted until it ends or the window closes) is <paramref name="load"/> of the cluster's; found by bisection (it grows with k).
    /// </summary>
    private static double Compression(TraceTask[] tasks, double capacity, double span, double load)
    {
        double Offered(double k) =>
            tasks.Sum(t => t.RequestedMilli * Math.Min(t.DeletionTime!.Value - t.CreationTime!.Value, (span - t.CreationTime!.Value) / k)) / (capacity * span / k);

        return LoadBisection.Solve(Offered, load, 1, 1e7, 60);
    }

    private static ReplayLine Simulate(string mode, IReadOnlyList<TraceNode> nodes, TraceTask[] tasks, double compression, double noise, bool backfill)
    {
        var watch = Stopwatch.StartNew();
        var random = new Random(7);
        var state = new ClusterState(nodes.Select(n => new NodeSpec(n.Name, n.Gpus > 0 ? n.Model : null, Enumerable.Repeat(1000, n.Gpus).ToArray(),
            n.CpuMilli, n.MemoryMiB, n.CpuMilli, true, [])).ToArray());
        var shapes = tasks.GroupBy(t => (t.NumGpu, t.MilliPerGpu, t.CpuMilli, t.MemoryMiB))
            .Select(g => new WorkloadShape(g.Key.NumGpu, g.Key.MilliPerGpu, g.Key.CpuMilli, g.Key.MemoryMiB, g.Count())).ToArray();
        var fifoSelector = new NodeSelector(state, PlacementPolicy.FragmentationAware,
            FragmentationModel.Create(tasks.Select(t => (Request(t), 1.0))), 7);
        var order = tasks.Select((t, i) => (Arrival: t.CreationTime!.Value / compression, Index: i)).OrderBy(p => p.Arrival).ThenBy(p => p.Index).ToArray();
        var predicted = tasks.Select(t => (t.DeletionTime!.Value - t.CreationTime!.Value) * (1 + noise * (2 * random.NextDouble() - 1))).ToArray();
        var start = new double[tasks.Length];
        var placement = new (int Node, int[] Gpus)[tasks.Length];
        var pending = new List<int>();
        var ends = new PriorityQueue<int, double>();
        var running = new Dictionary<int, RunningJob>();
        var lastArrival = order[^1].Arrival;
        double now = 0, busyIntegral = 0, allocated = 0;
        var busyByBucket = new double[UtilizationBuckets];
        var next = 0;
        var cycles = 0;
        while (next < order.Length || ends.Count > 0)
        {
            var nextArrival = next < order.Length ? order[next].Arrival : double.PositiveInfinity;
            var nextEnd = ends.TryPeek(out _, out var end) ? end : double.PositiveInfinity;
            var t = Math.Min(nextArrival, nextEnd);
            busyIntegral += allocated * (Math.Min(t, lastArrival) - Math.Min(now, lastArrival));
            AddBusy(busyByBucket, now, t, allocated, lastArrival);
            now = t;
            while (ends.TryPeek(out var done, out var at) && at <= now)
            {
                ends.Dequeue();
                var (node, gpus) = placement[done];
                state.Release(node, gpus, tasks[done].MilliPerGpu, tasks[done].CpuMilli, tasks[done].MemoryMiB);
                allocated -= tasks[done].RequestedMilli;
                running.Remove(done);
            }

            while (next < order.Length && order[next].Arrival <= now)
            {
                pending.Add(order[next++].Index);
            }

            state.Commit();
            if (pending.Count == 0)
            {
                continue;
            }

            cycles++;
            var started = new List<int>();
            if (!backfill)
            {
                foreach (var i in pending)
                {
                    var pod = Request(tasks[i]);
                    var node = fifoSelector.SelectNode(pod);
                    if (node < 0)
                    {
                        break;
                    }

                    placement[i] = (node, fifoSelector.Assign(node, pod));
                    started.Add(i);
                }
            }
            else
            {
                var snapshot = Snapshot(state, tasks, pending, running, shapes, now, predicted, compression);
                var result = SchedulingCycle.Run(snapshot, new SchedulerOptions { Preemption = false, MaxReservations = 1 });
                foreach (var place in result.Placements)
                {
                    var i = int.Parse(place.JobId, System.Globalization.CultureInfo.InvariantCulture);
                    state.TryGetNode(place.Pods[0].Node, out var node);
                    var gpus = place.Pods[0].GpuIndices.ToArray();
                    state.Allocate(node, gpus, tasks[i].MilliPerGpu, tasks[i].CpuMilli, tasks[i].MemoryMiB);
                    placement[i] = (node, gpus);
                    started.Add(i);
                }
            }

            state.Commit();
            foreach (var i in started)
            {
                start[i] = now;
                var runtime = tasks[i].DeletionTime!.Value - tasks[i].CreationTime!.Value;
                ends.Enqueue(i, now + runtime);
                allocated += tasks[i].RequestedMilli;
                running[i] = new RunningJob
                {
                    Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Queue = "openb",
                    Priority = 1000,
                    StartedAt = Epoch.AddSeconds(now),
                    PredictedEnd = Epoch.AddSeconds(now + predicted[i]),
                    Pods = [new PodAssignment(state.NodeNames[placement[i].Node], placement[i].Gpus, tasks[i].MilliPerGpu, tasks[i].CpuMilli, tasks[i].MemoryMiB)],
                };
            }

            var startedSet = started.ToHashSet();
            pending.RemoveAll(startedSet.Contains);
        }

        var waits = order.Select(o => start[o.Index] - o.Arrival).Order().ToList();
        var bucketCapacity = lastArrival / UtilizationBuckets * state.TotalGpuMilli;
        return new ReplayLine(mode, nodes.Count, compression, waits.Average(), Cycle.CycleBenchmark.Percentile(waits, 0.95), busyIntegral / (lastArrival * state.TotalGpuMilli),
            tasks.Length, cycles, watch.Elapsed, [.. busyByBucket.Select(b => b / bucketCapacity)]);
    }

    /// <summary>Equal slices of the arrival window the utilization over time is reported in.</summary>
    public const int UtilizationBuckets = 10;

    /// <summary>Adds <paramref name="allocated"/> milli held from <paramref name="from"/> to <paramref name="to"/> to the slices of the window it overlaps.</summary>
    internal static void AddBusy(double[] buckets, double from, double to, double allocated, double window)
    {
        var width = window / buckets.Length;
        to = Math.Min(to, window);
        for (var b = (int)Math.Max(0, Math.Floor(from / width)); b < buckets.Length && b * width < to; b++)
        {
            var overlap = Math.Min(to, (b + 1) * width) - Math.Max(from, b * width);
            if (overlap > 0)
            {
                buckets[b] += allocated * overlap;
            }
        }
    }

    private static Snapshot Snapshot(ClusterState state, TraceTask[] tasks, List<int> pending, Dictionary<int, RunningJob> running,
        WorkloadShape[] shapes, double now, double[] predicted, double compression)
    {
        var nodes = new NodeInfo[state.NodeCount];
        for (var n = 0; n < nodes.Length; n++)
        {
            nodes[n] = new NodeInfo
            {
                Name = state.NodeNames[n],
                GpuType = state.TypeId[n] >= 0 ? state.TypeNames[state.TypeId[n]] : null,
                GpuFreeMilli = state.GpuFree.AsSpan(state.GpuStart[n], state.GpuCount[n]).ToArray(),
                CpuMilliFree = state.CpuFree[n],
                MemoryMiBFree = state.MemFree[n],
            };
        }

        // One queue whose quota is the whole cluster: the replay compares ordering and backfill, not quotas.
        var quota = state.TypeNames.ToDictionary(t => t, _ => 1_000_000);
        return new Snapshot
        {
            Now = Epoch.AddSeconds(now),
            Nodes = nodes,
            Queues = [new QueueInfo { Name = "openb", NominalQuota = quota }],
            Running = [.. running.Values],
            WorkloadShapes = shapes,
            Pending = pending.Select(i => new PendingJob
            {
                Id = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Queue = "openb",
                Priority = 1000,
                CreatedAt = Epoch.AddSeconds(tasks[i].CreationTime!.Value / compression),
                GpusPerPod = tasks[i].NumGpu,
                GpuMilli = tasks[i].NumGpu == 1 && tasks[i].GpuMilli < 1000 ? tasks[i].GpuMilli : null,
                CpuMilliPerPod = tasks[i].CpuMilli,
                MemoryMiBPerPod = tasks[i].MemoryMiB,
                PredictedRuntime = TimeSpan.FromSeconds(predicted[i]),
            }).ToArray(),
        };
    }

    private static PodRequest Request(TraceTask task) => PodRequest.Create(task.NumGpu, task.MilliPerGpu, task.CpuMilli, task.MemoryMiB);
}

/// <param name="UtilizationOverTime">GPU utilization in each tenth of the arrival window, oldest first.</param>
internal sealed record ReplayLine(
    string Mode, int Nodes, double Compression, double MeanWaitSeconds, double P95WaitSeconds, double Utilization, int Tasks, int Cycles, TimeSpan Elapsed,
    IReadOnlyList<double> UtilizationOverTime);
