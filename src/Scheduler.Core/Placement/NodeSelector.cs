using Scheduler.Core.Placement.Policies;

namespace Scheduler.Core.Placement;

/// <summary>
/// Picks the node and GPUs for one pod: feasibility, gangs' node counts, node states and tie-breaking here; the ranking of feasible
/// nodes is the <see cref="IPlacementPolicy"/>'s. Every feasible node state (nodes alike for placement) is scored; exact ties are
/// broken at random with the seeded generator (or in a seeded node order, for the artifact's baselines), so a run is reproducible.
/// </summary>
internal sealed class NodeSelector
{
    private readonly ClusterState _state;
    private readonly IPlacementPolicy _policy;

    /// <summary>The default policy when it is the one in use: called directly on the hot path (a sealed class, so the call can inline).</summary>
    private readonly FragmentationAwarePolicy? _default;
    private SplitMix64 _random;

    /// <summary>Rank of each node in the tie-breaking order, or null: ties at random.</summary>
    private readonly int[]? _tieRank;

    public NodeSelector(ClusterState state, PlacementPolicy policy, FragmentationModel? fragmentation, ulong seed)
    {
        _state = state;
        _policy = PlacementPolicies.Create(policy, state, fragmentation);
        _default = _policy as FragmentationAwarePolicy;
        _random = new SplitMix64(seed);
        if (_policy.TiesInNodeOrder)
        {
            _tieRank = NodeOrder(state.NodeCount, seed);
        }
    }

    /// <summary>
    /// The ATC '23 artifact's baselines break ties by node order (its simulator names the nodes with a random prefix per seed and
    /// takes the first best node), not at random: a first-fit that keeps the nodes late in the order whole. Reproducing it is what
    /// brings our FGD and BestFit within 0.1 point of the published figures.
    /// </summary>
    private static int[] NodeOrder(int count, ulong seed)
    {
        var rank = new int[count];
        for (var i = 0; i < count; i++)
        {
            rank[i] = i;
        }

        var random = new SplitMix64(seed ^ 0x5DEECE66DUL);
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (rank[i], rank[j]) = (rank[j], rank[i]);
        }

        return rank;
    }

    public ClusterState State => _state;

    public bool Feasible(int n, in PodRequest pod)
    {
        var s = _state;
        if (!s.Accepts[n] || s.CpuFree[n] < pod.Cpu || s.MemFree[n] < pod.Mem)
        {
            return false;
        }

        if (pod.Gpus > 0)
        {
            var type = s.TypeId[n];
            if (type < 0 || (pod.TypeMask & (1UL << type)) == 0)
            {
                return false;
            }

            if (pod.Milli >= ClusterState.WholeGpu ? s.WholeFree[n] < pod.Gpus : s.MaxFree[n] < pod.Milli)
            {
                return false;
            }
        }

        var group = s.TaintGroup[n];
        if (group != 0 && (pod.ToleratedGroups is null || !pod.ToleratedGroups[group]))
        {
            return false;
        }

        if (pod.DomainOf is not null && pod.DomainOf[n] != pod.Domain)
        {
            return false;
        }

        return s.ReservedAt[n] == long.MaxValue || pod.EndTicks <= s.ReservedAt[n];
    }

    /// <summary>How many pods of this shape the node could take now (for packing a gang into the fewest nodes).</summary>
    public int PodsThatFit(int n, in PodRequest pod)
    {
        if (!Feasible(n, pod))
        {
            return 0;
        }

        var s = _state;
        var fit = int.MaxValue;
        if (pod.Cpu > 0)
        {
            fit = (int)Math.Min(fit, s.CpuFree[n] / pod.Cpu);
        }

        if (pod.Mem > 0)
        {
            fit = (int)Math.Min(fit, s.MemFree[n] / pod.Mem);
        }

        if (pod.Gpus > 0)
        {
            if (pod.Milli >= ClusterState.WholeGpu)
            {
                fit = Math.Min(fit, s.WholeFree[n] / pod.Gpus);
            }
            else
            {
                var slots = 0;
                for (var g = s.GpuStart[n]; g < s.GpuStart[n] + s.GpuCount[n]; g++)
                {
                    slots += s.GpuFree[g] / pod.Milli;
                }

                fit = Math.Min(fit, slots);
            }
        }

        return fit == int.MaxValue ? 1 : fit;
    }

    /// <summary>
    /// The best node for the pod, or -1. With <paramref name="remainingPods"/> above one (a gang), nodes that can take more of the
    /// remaining pods come first so that the gang lands on the fewest nodes; the policy ranks nodes of equal capacity.
    /// </summary>
    public int SelectNode(in PodRequest pod, int remainingPods = 1)
    {
        _policy.BeginRequest(pod);
        return pod.DomainOf is null ? SelectByState(pod, remainingPods) : SelectByNode(pod, remainingPods);
    }

    /// <summary>
    /// Scores one node of each live state (nodes in a state are alike for placement); exact ties are broken at random with each
    /// state weighted by its number of nodes, then a node of the chosen state is drawn uniformly.
    /// </summary>
    private int SelectByState(in PodRequest pod, int remainingPods)
    {
        var best = new Candidate(-1, 0, double.NegativeInfinity, double.NegativeInfinity);
        var ties = 0;
        var firstNode = -1;
        var types = _state.TypeNames.Length;
        for (var t = pod.Gpus > 0 ? 0 : -1; t < types; t++)
        {
            if (t >= 0 && (pod.TypeMask & (1UL << t)) == 0)
            {
                continue;
            }

            foreach (var state in _state.LiveStates(t))
            {
                var members = _state.Members(state);
                var node = members[0];
                if (Consider(node, pod, remainingPods, ref best, out var outcome))
                {
                    var count = members.Count;
                    if (_tieRank is not null)
                    {
                        var first = FirstInOrder(members);
                        if (outcome == Outcome.Better || _tieRank[first] < _tieRank[firstNode])
                        {
                            best = best with { Node = state };
                            firstNode = first;
                        }
                    }
                    else if (outcome == Outcome.Better)
                    {
                        best = best with { Node = state };
                        ties = count;
                    }
                    else
                    {
                        ties += count;
                        if (_random.NextInt(ties) < count)
                        {
                            best = best with { Node = state };
                        }
                    }
                }
            }
        }

        if (best.Node < 0)
        {
            return -1;
        }

        if (_tieRank is not null)
        {
            return firstNode;
        }

        var chosen = _state.Members(best.Node);
        return chosen.Count == 1 ? chosen[0] : chosen[_random.NextInt(chosen.Count)];
    }

    private int FirstInOrder(List<int> nodes)
    {
        var first = nodes[0];
        foreach (var n in nodes)
        {
            if (_tieRank![n] < _tieRank[first])
            {
                first = n;
            }
        }

        return first;
    }

    /// <summary>Scores every feasible node (used when a topology domain restricts the nodes, which states do not capture).</summary>
    private int SelectByNode(in PodRequest pod, int remainingPods)
    {
        var best = new Candidate(-1, 0, double.NegativeInfinity, double.NegativeInfinity);
        var ties = 0;
        for (var i = 0; i < _state.NodeCount; i++)
        {
            if (Consider(i, pod, remainingPods, ref best, out var outcome))
            {
                if (outcome == Outcome.Better)
                {
                    best = best with { Node = i };
                    ties = 1;
                }
                else if (_tieRank is not null ? _tieRank[i] < _tieRank[best.Node] : _random.NextInt(++ties) == 0)
                {
                    best = best with { Node = i };
                }
            }
        }

        return best.Node;
    }

    private enum Outcome
    {
        Better,
        Tie,
    }

    private readonly record struct Candidate(int Node, int Fit, double Primary, double Secondary);

    /// <summary>Whether node <paramref name="n"/> is feasible and at least as good as <paramref name="best"/> (whose scores it then takes).</summary>
    private bool Consider(int n, in PodRequest pod, int remainingPods, ref Candidate best, out Outcome outcome)
    {
        outcome = Outcome.Tie;
        if (!Feasible(n, pod))
        {
            return false;
        }

        var fit = remainingPods > 1 ? Math.Min(PodsThatFit(n, pod), remainingPods) : 1;
        if (fit < best.Fit)
        {
            return false;
        }

        double primary, secondary;
        if (_default is not null)
        {
            _default.Score(n, pod, out primary, out secondary);
        }
        else
        {
            _policy.Score(n, pod, out primary, out secondary);
        }

        if (fit > best.Fit || primary > best.Primary || (primary == best.Primary && secondary > best.Secondary))
        {
            best = new Candidate(best.Node, fit, primary, secondary);
            outcome = Outcome.Better;
            return true;
        }

        return primary == best.Primary && secondary == best.Secondary;
    }

    /// <summary>Fills <paramref name="gpus"/> with the node-local GPU indices for the pod and returns how many.</summary>
    public int ChooseGpus(int n, in PodRequest pod, Span<int> gpus)
    {
        if (pod.Gpus == 0)
        {
            return 0;
        }

        if (pod.Milli >= ClusterState.WholeGpu)
        {
            return GpuChoice.FirstWhole(_state, n, pod, gpus);
        }

        gpus[0] = _policy.SharedGpu(n, pod);
        return gpus[0] < 0 ? 0 : 1;
    }

    /// <summary>Places the pod on the node (assumed in the state) and returns the GPUs it took.</summary>
    public int[] Assign(int n, in PodRequest pod)
    {
        Span<int> chosen = stackalloc int[Math.Max(pod.Gpus, 1)];
        var count = ChooseGpus(n, pod, chosen);
        var gpus = chosen[..count].ToArray();
        _state.Allocate(n, gpus, pod.Milli, pod.Cpu, pod.Mem);
        return gpus;
    }
}
