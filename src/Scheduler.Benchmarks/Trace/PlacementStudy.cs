using System.Globalization;
using Scheduler.Core.Placement;

namespace Scheduler.Benchmarks.Trace;

/// <summary>
/// Where a policy loses allocation (the <c>study</c> verb): the free milli left on each GPU at the end of inflation runs, in
/// 100-milli bands, and the tasks that found no node by shape class — summed over seeds.
/// </summary>
internal sealed class PlacementStudy
{
    public static readonly string[] ShapeClasses = ["cpu-only", "share<500", "share>=500", "1 gpu", "2-4 gpus", "8 gpus"];

    /// <summary>Bands: 0 free, 1–99, 100–199, …, 900–999, 1000 (a whole free GPU).</summary>
    private readonly long[] _freeMilliByBand = new long[12];
    private readonly long[] _gpusByBand = new long[12];
    private readonly long[] _failedTasks = new long[ShapeClasses.Length];
    private readonly long[] _failedMilli = new long[ShapeClasses.Length];
    private long _capacity;

    public void Failed(in PodRequest pod)
    {
        var c = pod.Gpus == 0 ? 0 : pod.Shared ? (pod.Milli < 500 ? 1 : 2) : pod.Gpus == 1 ? 3 : pod.Gpus <= 4 ? 4 : 5;
        _failedTasks[c]++;
        _failedMilli[c] += pod.GpuMilli;
    }

    public void End(ClusterState state)
    {
        _capacity += state.TotalGpuMilli;
        for (var g = 0; g < state.GpuFree.Length; g++)
        {
            var f = state.GpuFree[g];
            var band = f == 0 ? 0 : f >= ClusterState.WholeGpu ? 11 : 1 + f / 100;
            _gpusByBand[band]++;
            _freeMilliByBand[band] += f;
        }
    }

    public IEnumerable<string> Describe(string policy)
    {
        var inv = CultureInfo.InvariantCulture;
        string Band(int b) => b == 0 ? "0" : b == 11 ? "1000" : $"{(b - 1) * 100}-{(b - 1) * 100 + 99}";
        yield return $"policy={policy} freeAtEnd(% of cluster milli by GPU's free band)=" + string.Join(' ', Enumerable.Range(1, 11)
            .Select(b => string.Create(inv, $"{Band(b)}:{100.0 * _freeMilliByBand[b] / _capacity:F2}")));
        yield return $"policy={policy} failed(tasks/GPU milli as % of cluster)=" + string.Join(' ', Enumerable.Range(0, ShapeClasses.Length)
            .Select(c => string.Create(inv, $"{ShapeClasses[c]}:{_failedTasks[c]}/{100.0 * _failedMilli[c] / _capacity:F2}")));
    }

    public static IEnumerable<string> Run(string podsPath, string nodesPath, int seeds, IReadOnlyList<PlacementPolicy> policies)
    {
        var run = new InflationRun(TraceFiles.ReadNodes(nodesPath), TraceFiles.ReadTasks(podsPath));
        foreach (var policy in policies)
        {
            var study = new PlacementStudy();
            for (var seed = 0; seed < seeds; seed++)
            {
                run.Run(policy, seed, 1.3, study);
            }

            foreach (var line in study.Describe(PlacementPolicies.NameOf(policy)))
            {
                yield return line;
            }
        }
    }
}
