using System.Diagnostics;
using System.Globalization;
using Scheduler.Admission;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Benchmarks.Advice;

/// <summary>
/// How long the layout advisor takes for a Llama-3-405B-sized spec on 16,384 H100s (the target: under 100 ms on
/// one core). The advisor is single-threaded, so one process measures one core; run it under <c>taskset -c 0</c> to pin.
/// </summary>
internal static class AdviseBenchmark
{
    public static JobSpec Spec405BOn16K() => JobSpecNormalizer.Normalize(new JobSpec
    {
        Name = "llama3-405b",
        Queue = "bench",
        Model = new ModelSpec
        {
            Layers = 126, HiddenSize = 16384, Heads = 128, KvHeads = 8, FfnHiddenSize = 53248, Mlp = MlpKind.SwiGlu,
            PositionEmbedding = PositionEmbedding.Rope, VocabSize = 128256, SeqLength = 8192, TiedEmbeddings = false,
        },
        Training = new TrainingSpec { Tokens = 15.6e12, GlobalBatchSize = 2048, MicroBatchSize = 1 },
        Parallelism = new ParallelismSpec { Data = 128, Tensor = 8, Pipeline = 16, ZeroStage = 1, SequenceParallel = true },
        Resources = new ResourceSpec { GpuType = "H100-SXM", Gpus = 16384, GpusPerNode = 8 },
    });

    /// <summary>
    /// One line: wall-clock p50, p99 and worst milliseconds over the repetitions after warm-up, the CPU milliseconds per
    /// advice (process CPU time over all repetitions: on a shared machine wall time measures the queue for a core, CPU
    /// time the work), and the search's size.
    /// </summary>
    public static string Run(int repetitions)
    {
        var estimator = new Estimator(GpuCatalog.Default);
        var spec = Spec405BOn16K();
        for (var i = 0; i < 3; i++)
        {
            estimator.Advise(spec);
        }

        var times = new List<double>(repetitions);
        Admission.Advice.LayoutAdvice? advice = null;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        for (var i = 0; i < repetitions; i++)
        {
            var watch = Stopwatch.StartNew();
            advice = estimator.Advise(spec);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        process.Refresh();
        var cpuPerAdvice = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds / repetitions;

        times.Sort();
        var best = advice!.CheapestGpuHours.FirstOrDefault();
        return string.Create(CultureInfo.InvariantCulture,
            $"advise 405B on 16384 H100-SXM: p50={times[times.Count / 2]:0.0}ms p99={times[Math.Min(times.Count - 1, (int)Math.Ceiling(times.Count * 0.99) - 1)]:0.0}ms max={times[^1]:0.0}ms cpu={cpuPerAdvice:0.0}ms considered={advice.LayoutsConsidered} feasible={advice.LayoutsFeasible} best=\"{best?.Description}\" saving=\"{best?.Saving}\"");
    }
}
