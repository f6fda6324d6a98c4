namespace Scheduler.Core.Placement;

/// <summary>
/// The cluster's free capacity as flat arrays (one slot per node, GPUs laid out one node after another), with per-node aggregates
/// kept current on every change and an undo log so that a trial placement or a simulated preemption can be rolled back.
/// </summary>
internal sealed class ClusterState
{
    public const int WholeGpu = 1000;

    public readonly int NodeCount;
    public readonly string[] NodeNames;
    public readonly int[] TypeId;
    public readonly string[] TypeNames;
    public readonly int[] GpuStart;
    public readonly int[] GpuCount;
    public readonly int[] GpuFree;
    public readonly int[] WholeFree;
    public readonly int[] FreeMilli;
    public readonly int[] MaxFree;
    public readonly long[] CpuFree;
    public readonly long[] MemFree;
    public readonly bool[] Accepts;

    /// <summary>0: no blocking taints; otherwise an index into <see cref="TaintGroups"/> (nodes with the same blocking taints share one).</summary>
    public readonly int[] TaintGroup;
    public readonly IReadOnlyList<Snapshots.Taint>[] TaintGroups;

    /// <summary>Ticks of the backfill reservation holding the node, or <see cref="long.MaxValue"/>.</summary>
    public readonly long[] ReservedAt;

    /// <summary>Bumped on every change of the node; scorers key their caches on it.</summary>
    public readonly int[] Version;

    /// <summary>
    /// Nodes alike in everything placement looks at (type, free CPU and memory, multiset of free GPU milli, schedulable, taints,
    /// reservation) share a state id. The selector scores each live state once instead of every node, and keeps the members of each
    /// state so it can pick one of them. Nodes over 12 GPUs get a state of their own.
    /// </summary>
    public readonly int[] StateId;

    /// <summary>Free GPU milli per type over schedulable nodes, kept current.</summary>
    public readonly long[] TypeFreeMilli;

    private readonly Dictionary<(int Type, long Cpu, long Mem, UInt128 Gpus, long Reserved, int Flags), int> _stateIds = [];
    private readonly List<List<int>> _members = [];
    private readonly List<int> _stateType = [];
    private readonly List<int> _liveSlot = [];
    private readonly List<List<int>> _liveByType = [[]];
    private readonly int[] _slot;
    private long _unique;

    /// <summary>Normalisers of the best-fit score: the largest node's CPU and GPU milli.</summary>
    public readonly long MaxNodeCpu;
    public readonly int MaxNodeGpuMilli;
    public readonly long TotalGpuMilli;

    private readonly Dictionary<string, int> _nodeIndex;
    private readonly List<Change> _log = [];

    private readonly record struct Change(int Node, int Gpu, int Milli, long Cpu, long Mem);

    public ClusterState(IReadOnlyList<NodeSpec> nodes)
    {
        NodeCount = nodes.Count;
        NodeNames = new string[NodeCount];
        TypeId = new int[NodeCount];
        GpuStart = new int[NodeCount];
        GpuCount = new int[NodeCount];
        WholeFree = new int[NodeCount];
        FreeMilli = new int[NodeCount];
        MaxFree = new int[NodeCount];
        CpuFree = new long[NodeCount];
        MemFree = new long[NodeCount];
        Accepts = new bool[NodeCount];
        TaintGroup = new int[NodeCount];
        ReservedAt = new long[NodeCount];
        Version = new int[NodeCount];
        StateId = new int[NodeCount];
        Array.Fill(StateId, -1);
        _slot = new int[NodeCount];
        _nodeIndex = new Dictionary<string, int>(NodeCount, StringComparer.Ordinal);
        var types = new List<string>();
        var typeIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var taintGroups = new List<IReadOnlyList<Snapshots.Taint>> { Array.Empty<Snapshots.Taint>() };
        var taintKeys = new Dictionary<string, int>(StringComparer.Ordinal);
        var gpus = 0;
        foreach (var node in nodes)
        {
            gpus += node.GpuFree.Count;
        }

        GpuFree = new int[gpus];
        var offset = 0;
        for (var n = 0; n < NodeCount; n++)
        {
            var node = nodes[n];
            NodeNames[n] = node.Name;
            _nodeIndex[node.Name] = n;
            if (node.GpuType is null || node.GpuFree.Count == 0)
            {
                TypeId[n] = -1;
            }
            else
            {
                if (!typeIds.TryGetValue(node.GpuType, out var id))
                {
                    id = types.Count;
                    typeIds[node.GpuType] = id;
                    types.Add(node.GpuType);
                }

                TypeId[n] = id;
            }

            GpuStart[n] = offset;
            GpuCount[n] = node.GpuFree.Count;
            for (var g = 0; g < node.GpuFree.Count; g++)
            {
                GpuFree[offset + g] = Math.Clamp(node.GpuFree[g], 0, WholeGpu);
            }

            offset += node.GpuFree.Count;
            CpuFree[n] = node.CpuFree;
            MemFree[n] = node.MemFree;
            Accepts[n] = node.Accepts;
            ReservedAt[n] = long.MaxValue;
            MaxNodeCpu = Math.Max(MaxNodeCpu, node.CpuCapacity);
            MaxNodeGpuMilli = Math.Max(MaxNodeGpuMilli, node.GpuFree.Count * WholeGpu);
            TotalGpuMilli += node.GpuFree.Count * WholeGpu;
            var blocking = node.Taints.Count == 0 ? Array.Empty<Snapshots.Taint>() : node.Taints.Where(t => t.Blocks).ToArray();
            if (blocking.Length > 0)
            {
                var key = string.Join('\n', blocking.Select(t => $"{t.Key}={t.Value}:{t.Effect}").Order(StringComparer.Ordinal));
                if (!taintKeys.TryGetValue(key, out var group))
                {
                    group = taintGroups.Count;
                    taintKeys[key] = group;
                    taintGroups.Add(blocking);
                }

                TaintGroup[n] = group;
            }

            Refresh(n);
        }

        TypeNames = [.. types];
        TypeFreeMilli = new long[types.Count];
        for (var n = 0; n < NodeCount; n++)
        {
            if (TypeId[n] >= 0 && Accepts[n])
            {
                TypeFreeMilli[TypeId[n]] += FreeMilli[n];
            }
        }

        TypeIds = typeIds;
        TaintGroups = [.. taintGroups];
        MaxNodeCpu = Math.Max(MaxNodeCpu, 1);
        MaxNodeGpuMilli = Math.Max(MaxNodeGpuMilli, WholeGpu);
    }

    public IReadOnlyDictionary<string, int> TypeIds { get; }

    public bool TryGetNode(string name, out int node) => _nodeIndex.TryGetValue(name, out node);

    /// <summary>A position in the undo log to <see cref="Rollback"/> to.</summary>
    public int Mark() => _log.Count;

    public void Rollback(int mark)
    {
        for (var i = _log.Count - 1; i >= mark; i--)
        {
            var c = _log[i];
            Apply(c.Node, c.Gpu, -c.Milli, -c.Cpu, -c.Mem);
        }

        _log.RemoveRange(mark, _log.Count - mark);
    }

    /// <summary>Forget the undo log (the changes stay).</summary>
    public void Commit() => _log.Clear();

    /// <summary>Takes <paramref name="milli"/> of each GPU in <paramref name="gpus"/> (node-local indices) and the CPU and memory.</summary>
    public void Allocate(int node, ReadOnlySpan<int> gpus, int milli, long cpu, long mem)
    {
        if (gpus.Length == 0)
        {
            _log.Add(new Change(node, -1, 0, -cpu, -mem));
            Apply(node, -1, 0, -cpu, -mem);
            return;
        }

        for (var i = 0; i < gpus.Length; i++)
        {
            var c = i == 0 ? new Change(node, gpus[i], -milli, -cpu, -mem) : new Change(node, gpus[i], -milli, 0, 0);
            _log.Add(c);
            Apply(c.Node, c.Gpu, c.Milli, c.Cpu, c.Mem);
        }
    }

    /// <summary>Gives back what <see cref="Allocate"/> took (a victim's pod, simulated).</summary>
    public void Release(int node, ReadOnlySpan<int> gpus, int milli, long cpu, long mem)
    {
        if (gpus.Length == 0)
        {
            _log.Add(new Change(node, -1, 0, cpu, mem));
            Apply(node, -1, 0, cpu, mem);
            return;
        }

        for (var i = 0; i < gpus.Length; i++)
        {
            var c = i == 0 ? new Change(node, gpus[i], milli, cpu, mem) : new Change(node, gpus[i], milli, 0, 0);
            _log.Add(c);
            Apply(c.Node, c.Gpu, c.Milli, c.Cpu, c.Mem);
        }
    }

    private void Apply(int node, int gpu, int milli, long cpu, long mem)
    {
        CpuFree[node] += cpu;
        MemFree[node] += mem;
        if (gpu >= 0)
        {
            GpuFree[GpuStart[node] + gpu] += milli;
        }

        Refresh(node);
    }

    private void Refresh(int node)
    {
        int whole = 0, free = 0, max = 0;
        var start = GpuStart[node];
        var end = start + GpuCount[node];
        for (var g = start; g < end; g++)
        {
            var f = GpuFree[g];
            free += f;
            if (f >= WholeGpu)
            {
                whole++;
            }

            if (f > max)
            {
                max = f;
            }
        }

        WholeFree[node] = whole;
        if (TypeFreeMilli is not null && TypeId[node] >= 0 && Accepts[node])
        {
            TypeFreeMilli[TypeId[node]] += free - FreeMilli[node];
        }

        FreeMilli[node] = free;
        MaxFree[node] = max;
        Version[node]++;
        var state = InternState(node);
        if (state != StateId[node])
        {
            if (StateId[node] >= 0)
            {
                Leave(node, StateId[node]);
            }

            Join(node, state);
            StateId[node] = state;
        }
    }

    /// <summary>States with at least one node, of GPU type <paramref name="type"/> (-1: CPU-only nodes).</summary>
    public List<int> LiveStates(int type) => type + 1 < _liveByType.Count ? _liveByType[type + 1] : [];

    /// <summary>The nodes now in <paramref name="state"/>.</summary>
    public List<int> Members(int state) => _members[state];

    /// <summary>Holds the node for a backfill reservation starting at <paramref name="atTicks"/> (the earliest one wins).</summary>
    public void Reserve(int node, long atTicks)
    {
        ReservedAt[node] = Math.Min(ReservedAt[node], atTicks);
        Refresh(node);
    }

    private int InternState(int node)
    {
        var count = GpuCount[node];
        var flags = TaintGroup[node] * 2 + (Accepts[node] ? 1 : 0);
        (int, long, long, UInt128, long, int) key;
        if (count > 12)
        {
            key = (TypeId[node], CpuFree[node], MemFree[node], (UInt128)(++_unique), long.MinValue, flags);
        }
        else
        {
            Span<int> sorted = stackalloc int[count];
            GpuFree.AsSpan(GpuStart[node], count).CopyTo(sorted);
            sorted.Sort();
            UInt128 packed = 0;
            foreach (var f in sorted)
            {
                packed = (packed << 10) | (uint)f;
            }

            packed = (packed << 4) | (uint)count;
            key = (TypeId[node], CpuFree[node], MemFree[node], packed, ReservedAt[node], flags);
        }

        if (!_stateIds.TryGetValue(key, out var id))
        {
            id = _stateIds.Count;
            _stateIds[key] = id;
            _members.Add([]);
            _stateType.Add(TypeId[node]);
            _liveSlot.Add(-1);
        }

        return id;
    }

    private void Join(int node, int state)
    {
        var members = _members[state];
        _slot[node] = members.Count;
        members.Add(node);
        if (members.Count == 1)
        {
            var type = _stateType[state] + 1;
            while (_liveByType.Count <= type)
            {
                _liveByType.Add([]);
            }

            _liveSlot[state] = _liveByType[type].Count;
            _liveByType[type].Add(state);
        }
    }

    private void Leave(int node, int state)
    {
        var members = _members[state];
        var slot = _slot[node];
        var last = members[^1];
        members[slot] = last;
        _slot[last] = slot;
        members.RemoveAt(members.Count - 1);
        if (members.Count == 0)
        {
            var live = _liveByType[_stateType[state] + 1];
            var at = _liveSlot[state];
            var moved = live[^1];
            live[at] = moved;
            _liveSlot[moved] = at;
            live.RemoveAt(live.Count - 1);
            _liveSlot[state] = -1;
        }
    }

    public long AllocatedGpuMilli()
    {
        long free = 0;
        for (var n = 0; n < NodeCount; n++)
        {
            free += FreeMilli[n];
        }

        return TotalGpuMilli - free;
    }
}

/// <summary>What <see cref="ClusterState"/> is built from (the snapshot's nodes, or a trace's).</summary>
internal sealed record NodeSpec(
    string Name,
    string? GpuType,
    IReadOnlyList<int> GpuFree,
    long CpuFree,
    long MemFree,
    long CpuCapacity,
    bool Accepts,
    IReadOnlyList<Snapshots.Taint> Taints);
