using System.Diagnostics;
using System.Globalization;
using Scheduler.Benchmarks.Trace;
using Scheduler.Core.Cycle;
using Scheduler.Core.Decisions;
using Scheduler.Core.Placement;
using Scheduler.Core.Snapshots;

namespace Scheduler.Benchmarks.Replay;

/// <summary>
/// What-if replay: a trace's tasks arrive at <c>creation_time / speed</c> into the given queues and run for
/// <c>deletion_time − creation_time</c> once placed; every arrival and end runs one cycle of the real scheduling core
/// (<see cref="SchedulingCycle"/>) over the pending tasks, with quotas, fair share, preemption and backfill as configured, and its
/// decisions are carried out at once (a preempted task gives its capacity back and waits again with the work it had left, as if it
/// had checkpointed). Time is simulated: the replay runs as fast as the core decides, whatever the speed.
/// </summary>
internal sealed class WhatIfReplay
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Cycles at one instant, at most: preemptors start in the cycle after their victims stopped, victims wait again after that.</summary>
    private const int MaxCyclesPerInstant = 6;

    private readonly TraceTask[] _tasks;
    private readonly string[] _queueOf;
    private readonly IReadOnlyList<TraceNode> _nodes;
    private readonly IReadOnlyList<ReplayQueue> _queues;

    /// <param name="queueOf">Each task's queue (names not among <paramref name="queues"/> are an error).</param>
    public WhatIfReplay(IReadOnlyList<TraceNode> nodes, IReadOnlyList<TraceTask> tasks, IReadOnlyList<string> queueOf, IReadOnlyList<ReplayQueue> queues)
    {
        var known = queues.Select(q => q.Name).ToHashSet(StringComparer.Ordinal);
        var timed = new List<int>();
        for (var i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].CreationTime is not null && tasks[i].DeletionTime > tasks[i].CreationTime)
            {
                if (!known.Contains(queueOf[i]))
                {
                    throw new ArgumentException($"task {tasks[i].Name} is in queue '{queueOf[i]}', which the queue list does not name");
                }

                timed.Add(i);
            }
        }

        if (timed.Count == 0)
        {
            throw new ArgumentException("the trace has no task with a creation_time and a later deletion_time to replay");
        }

        _tasks = [.. timed.Select(i => tasks[i])];
        _queueOf = [.. timed.Select(i => queueOf[i])];
        _nodes = nodes;
        _queues = queues;
    }

    public int Tasks => _tasks.Length;

    /// <summary>The speed at which the GPU time asked for inside the arrival window is <paramref name="load"/> of the cluster's (bisection).</summary>
    public double SpeedForLoad(double load)
    {
        var capacity = _nodes.Sum(n => n.Gpus * 1000.0);
        var first = _tasks.Min(t => t.CreationTime!.Value);
        var span = Math.Max(1, _tasks.Max(t => t.CreationTime!.Value) - first);
        double Offered(double k) =>
            _tasks.Sum(t => t.RequestedMilli * Math.Min(t.DeletionTime!.Value - t.CreationTime!.Value, (span - (t.CreationTime!.Value - first)) / k)) / (capacity * span / k);

        return LoadBisection.Solve(Offered, load, 1e-3, 1e7, 80);
    }

    public WhatIfResult Run(double speed, SchedulerOptions options, int buckets = 10)
    {
        var watch = Stopwatch.StartNew();
        var state = new ClusterState(_nodes.Select(n => new NodeSpec(n.Name, n.Gpus > 0 ? n.Model : null, Enumerable.Repeat(1000, n.Gpus).ToArray(),
            n.CpuMilli, n.MemoryMiB, n.CpuMilli, true, [])).ToArray());
        var clusterGpus = _nodes.Where(n => n.Gpus > 0).GroupBy(n => n.Model, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Sum(n => n.Gpus), StringComparer.Ordinal);
        var queues = _queues.Select(q => q.ToQueueInfo(clusterGpus)).ToArray();
        var priority = _queues.ToDictionary(q => q.Name, q => q.Priority, StringComparer.Ordinal);
        var shapes = _tasks.GroupBy(t => (t.NumGpu, t.MilliPerGpu, t.CpuMilli, t.MemoryMiB))
            .Select(g => new WorkloadShape(g.Key.NumGpu, g.Key.MilliPerGpu, g.Key.CpuMilli, g.Key.MemoryMiB, g.Count())).ToArray();
        var first = _tasks.Min(t => t.CreationTime!.Value);
        var arrival = _tasks.Select(t => (t.CreationTime!.Value - first) / speed).ToArray();
        var order = Enumerable.Range(0, _tasks.Length).OrderBy(i => arrival[i]).ThenBy(i => i).ToArray();
        var remaining = _tasks.Select(t => (double)(t.DeletionTime!.Value - t.CreationTime!.Value)).ToArray();
        var firstStart = Enumerable.Repeat(double.NaN, _tasks.Length).ToArray();
        var preemptions = new int[_tasks.Length];
        var gpuSeconds = new double[_tasks.Length];
        var lastPreempted = new double?[_tasks.Length];
        var placement = new (int Node, int[] Gpus)[_tasks.Length];
        var startedAt = new double[_tasks.Length];
        var endOf = new double[_tasks.Length];
        var pending = new SortedSet<int>(Comparer<int>.Create((a, b) => arrival[a] != arrival[b] ? arrival[a].CompareTo(arrival[b]) : a.CompareTo(b)));
        var running = new HashSet<int>();
        var ends = new PriorityQueue<int, double>();
        var busy = new List<(double From, double To, double Milli)>();
        double now = 0, allocated = 0, last = 0;
        var next = 0;
        var cycles = 0;
        var totalPreemptions = 0;
        while (next < order.Length || ends.Count > 0)
        {
            var nextArrival = next < order.Length ? arrival[order[next]] : double.PositiveInfinity;
            var nextEnd = PeekEnd(ends, running, endOf);
            var t = Math.Min(nextArrival, nextEnd);
            if (double.IsPositiveInfinity(t))
            {
                break; // only tasks that can never be placed are left
            }

            busy.Add((now, t, allocated));
            now = t;
            while (ends.TryPeek(out var done, out var at) && at <= now)
            {
                ends.Dequeue();
                if (!running.Contains(done) || endOf[done] != at)
                {
                    continue; // preempted since this end was queued
                }

                Stop(state, done, placement);
                running.Remove(done);
                allocated -= _tasks[done].RequestedMilli;
                gpuSeconds[done] += _tasks[done].RequestedMilli / 1000.0 * (now - startedAt[done]);
                last = now;
            }

            while (next < order.Length && arrival[order[next]] <= now)
            {
                pending.Add(order[next++]);
            }

            // Victims stop during their grace period: they wait again only after the cycle that places their preemptors.
            var stopping = new List<int>();
            for (var round = 0; round < MaxCyclesPerInstant && (pending.Count > 0 || stopping.Count > 0); round++)
            {
                state.Commit();
                cycles++;
                var snapshot = Snapshot(state, queues, priority, shapes, pending, running, arrival, remaining, placement, startedAt, preemptions, lastPreempted, now);
                var result = SchedulingCycle.Run(snapshot, options);
                var victims = new List<int>();
                foreach (var preempt in result.Preemptions)
                {
                    var victim = Index(preempt.JobId);
                    Stop(state, victim, placement);
                    running.Remove(victim);
                    allocated -= _tasks[victim].RequestedMilli;
                    gpuSeconds[victim] += _tasks[victim].RequestedMilli / 1000.0 * (now - startedAt[victim]);
                    remaining[victim] -= now - startedAt[victim];
                    preemptions[victim]++;
                    totalPreemptions++;
                    lastPreempted[victim] = now;
                    victims.Add(victim);
                }

                foreach (var place in result.Placements)
                {
                    var i = Index(place.JobId);
                    state.TryGetNode(place.Pods[0].Node, out var node);
                    var gpus = place.Pods[0].GpuIndices.ToArray();
                    state.Allocate(node, gpus, _tasks[i].MilliPerGpu, _tasks[i].CpuMilli, _tasks[i].MemoryMiB);
                    placement[i] = (node, gpus);
                    pending.Remove(i);
                    running.Add(i);
                    startedAt[i] = now;
                    endOf[i] = now + remaining[i];
                    ends.Enqueue(i, endOf[i]);
                    allocated += _tasks[i].RequestedMilli;
                    if (double.IsNaN(firstStart[i]))
                    {
                        firstStart[i] = now;
                    }
                }

                state.Commit();
                pending.UnionWith(stopping);
                var requeued = stopping.Count > 0;
                stopping = victims;
                if (victims.Count == 0 && !requeued)
                {
                    break;
                }
            }

            pending.UnionWith(stopping);
        }

        return Summarise(state.TotalGpuMilli, busy, last, arrival, firstStart, gpuSeconds, preemptions, totalPreemptions, cycles, speed, buckets, watch.Elapsed);
    }

    private static double PeekEnd(PriorityQueue<int, double> ends, HashSet<int> running, double[] endOf)
    {
        // Ends of preempted runs stay queued until reached; skip them so that time does not stop at a stale end.
        while (ends.TryPeek(out var i, out var at))
        {
            if (running.Contains(i) && endOf[i] == at)
            {
                return at;
            }

            ends.Dequeue();
        }

        return double.PositiveInfinity;
    }

    private void Stop(ClusterState state, int i, (int Node, int[] Gpus)[] placement)
    {
        var (node, gpus) = placement[i];
        state.Release(node, gpus, _tasks[i].MilliPerGpu, _tasks[i].CpuMilli, _tasks[i].MemoryMiB);
        state.Commit();
    }

    private static int Index(string id) => int.Parse(id, CultureInfo.InvariantCulture);

    private static string Id(int i) => i.ToString(CultureInfo.InvariantCulture);

    private Snapshot Snapshot(ClusterState state, QueueInfo[] queues, Dictionary<string, int> priority, WorkloadShape[] shapes, SortedSet<int> pending,
        HashSet<int> running, double[] arrival, double[] remaining, (int Node, int[] Gpus)[] placement, double[] startedAt, int[] preemptions,
        double?[] lastPreempted, double now)
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

        return new Snapshot
        {
            Now = Epoch.AddSeconds(now),
            Nodes = nodes,
            Queues = queues,
            WorkloadShapes = shapes,
            Running = running.Select(i => new RunningJob
            {
                Id = Id(i),
                Queue = _queueOf[i],
                Priority = priority[_queueOf[i]],
                StartedAt = Epoch.AddSeconds(startedAt[i]),
                LastCheckpointAt = Epoch.AddSeconds(now), // a preempted task resumes with the work it had left
                PredictedEnd = Epoch.AddSeconds(startedAt[i] + remaining[i]),
                PreemptionCount = preemptions[i],
                LastPreemptedAt = lastPreempted[i] is { } at ? Epoch.AddSeconds(at) : null,
                Pods = [new PodAssignment(state.NodeNames[placement[i].Node], placement[i].Gpus, _tasks[i].MilliPerGpu, _tasks[i].CpuMilli, _tasks[i].MemoryMiB)],
            }).ToArray(),
            Pending = pending.Select(i => new PendingJob
            {
                Id = Id(i),
                Queue = _queueOf[i],
                Priority = priority[_queueOf[i]],
                CreatedAt = Epoch.AddSeconds(arrival[i]),
                GpusPerPod = _tasks[i].NumGpu,
                GpuMilli = _tasks[i].NumGpu == 1 && _tasks[i].GpuMilli < 1000 ? _tasks[i].GpuMilli : null,
                GpuTypes = _tasks[i].NumGpu > 0 && _tasks[i].GpuSpec.Length > 0 ? _tasks[i].GpuSpec.Split('|') : [],
                CpuMilliPerPod = _tasks[i].CpuMilli,
                MemoryMiBPerPod = _tasks[i].MemoryMiB,
                PredictedRuntime = TimeSpan.FromSeconds(remaining[i]),
                PreemptionCount = preemptions[i],
                LastPreemptedAt = lastPreempted[i] is { } at ? Epoch.AddSeconds(at) : null,
            }).ToArray(),
        };
    }

    private WhatIfResult Summarise(long capacity, List<(double From, double To, double Milli)> busy, double end, double[] arrival,
        double[] firstStart, double[] gpuSeconds, int[] preemptions, int totalPreemptions, int cycles, double speed, int buckets, TimeSpan elapsed)
    {
        var overTime = new double[buckets];
        var window = Math.Max(end, 1e-9);
        foreach (var (from, to, milli) in busy)
        {
            ReplayBenchmark.AddBusy(overTime, from, to, milli, window);
        }

        var perQueue = new List<QueueLine>();
        foreach (var queue in _queues)
        {
            var members = Enumerable.Range(0, _tasks.Length).Where(i => _queueOf[i] == queue.Name).ToArray();
            var waits = members.Where(i => !double.IsNaN(firstStart[i])).Select(i => firstStart[i] - arrival[i]).Order().ToList();
            perQueue.Add(new QueueLine(
                queue.Name,
                members.Length,
                waits.Count,
                waits.Count > 0 ? waits.Average() : 0,
                waits.Count > 0 ? Cycle.CycleBenchmark.Percentile(waits, 0.95) : 0,
                members.Sum(i => gpuSeconds[i]) / 3600,
                members.Sum(i => preemptions[i])));
        }

        var all = Enumerable.Range(0, _tasks.Length).Where(i => !double.IsNaN(firstStart[i])).Select(i => firstStart[i] - arrival[i]).Order().ToList();
        return new WhatIfResult(
            speed,
            _tasks.Length,
            all.Count > 0 ? all.Average() : 0,
            all.Count > 0 ? Cycle.CycleBenchmark.Percentile(all, 0.95) : 0,
            busy.Sum(b => b.Milli * (b.To - b.From)) / (capacity * window),
            [.. overTime.Select(b => b / (capacity * window / buckets))],
            end,
            perQueue,
            totalPreemptions,
            cycles,
            elapsed);
    }
}

/// <param name="Started">Tasks that started (the others fit no node, or their queue's quota, ever).</param>
/// <param name="GpuHours">GPU-hours the queue's tasks held, in trace time.</param>
internal sealed record QueueLine(string Queue, int Tasks, int Started, double MeanWaitSeconds, double P95WaitSeconds, double GpuHours, int Preempted);

/// <param name="Utilization">GPU milli allocated over the replay (first arrival to last end) ÷ the cluster's.</param>
/// <param name="UtilizationOverTime">The same per equal slice of the replay, oldest first.</param>
internal sealed record WhatIfResult(
    double Speed, int Tasks, double MeanWaitSeconds, double P95WaitSeconds, double Utilization, IReadOnlyList<double> UtilizationOverTime,
    double MakespanSeconds, IReadOnlyList<QueueLine> Queues, int Preemptions, int Cycles, TimeSpan Elapsed)
{
    public IEnumerable<string> Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        yield return string.Create(inv,
            $"replay speed={Speed:G4}x tasks={Tasks} meanWait={MeanWaitSeconds:F0}s p95Wait={P95WaitSeconds:F0}s utilization={100 * Utilization:F1}% makespan={MakespanSeconds / 3600:F1}h preemptions={Preemptions} cycles={Cycles} wall={Elapsed.TotalSeconds:F1}s");
        yield return "utilization over time (%): " + string.Join(' ', UtilizationOverTime.Select(u => (100 * u).ToString("F1", inv)));
        foreach (var q in Queues)
        {
            yield return string.Create(inv,
                $"queue={q.Queue} tasks={q.Tasks} started={q.Started} meanWait={q.MeanWaitSeconds:F0}s p95Wait={q.P95WaitSeconds:F0}s gpuHours={q.GpuHours:F1} preempted={q.Preempted}");
        }
    }
}
