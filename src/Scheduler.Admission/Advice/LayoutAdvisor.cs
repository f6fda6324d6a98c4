using System.Globalization;
using Scheduler.Admission.Calibration;
using Scheduler.Admission.Memory;
using Scheduler.Admission.Model;
using Scheduler.Admission.Timing;
using Scheduler.Admission.Verdict;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Advice;

/// <summary>
/// Searches the layouts a job could run with and ranks the feasible ones by predicted GPU-hours and by wall time.
/// The search, for each GPU type the spec allows and GPU counts of ¼, ½, 1, 2 and 4 times the submitted one:
/// tensor degree (powers of two up to a node, dividing the heads), context degree (for sequences of 4,096 tokens and
/// more, keeping at least 2,048 per rank), pipeline degree (powers of two up to the layers; uneven stages allowed),
/// expert degree for MoE models, micro-batch size (powers of two dividing the per-rank batch) and, with a pipeline, the
/// schedule (1F1B, interleaved with 2 or 4 virtual stages, zero-bubble). The global batch, the model and the training
/// tokens stay as submitted. For each of those, the cheapest memory-saving settings that fit are taken: ZeRO 1, then
/// 2, then 3, each without recomputation, then selective, then full recomputation; the step time decides between the
/// first fitting setting of each recomputation level. Pure and deterministic; arithmetic on user numbers is in long or
/// double.
/// </summary>
internal sealed class LayoutAdvisor(ModelShape shape, ParameterCount parameters, MfuTable calibration, LayoutScope scope = LayoutScope.Any)
{
    private static readonly ActivationCheckpointing[] Recomputation =
        [ActivationCheckpointing.None, ActivationCheckpointing.Selective, ActivationCheckpointing.Full];

    /// <summary>Checked once per layout: a caller bounds the search in time by cancelling.</summary>
    public LayoutAdvice Advise(TrainingSetup submitted, IReadOnlyList<GpuType> gpuTypes, double tokens, int top, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(submitted);
        ArgumentNullException.ThrowIfNull(gpuTypes);
        var baseline = Price(submitted, gpuTypes[0], tokens);
        var considered = 0;
        var feasible = new List<Candidate>();
        foreach (var gpu in gpuTypes)
        {
            foreach (var gpus in GpuCounts(submitted))
            {
                // Layouts come in micro-batch order within each degree combination: when none of the memory savers fits a
                // micro-batch, no larger one fits either. Zero-bubble needs 1F1B's memory, interleaved more.
                (int, int, int, int)? failed = null;
                foreach (var layout in Layouts(submitted, gpus))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var degrees = (layout.Tensor, layout.Context, layout.Pipeline, layout.Expert);
                    if (failed == degrees)
                    {
                        continue;
                    }

                    var oneF1B = Cheapest(layout, gpu, tokens, ref considered);
                    if (oneF1B is null)
                    {
                        failed = degrees;
                        continue;
                    }

                    feasible.Add(oneF1B);
                    if (layout.Pipeline == 1)
                    {
                        continue;
                    }

                    foreach (var variant in Schedules(layout))
                    {
                        if (Cheapest(variant, gpu, tokens, ref considered) is { } priced)
                        {
                            feasible.Add(priced);
                        }
                    }
                }
            }
        }

        var byCost = feasible.OrderBy(c => c.GpuHours).ThenBy(c => c.WallHours).ThenBy(c => c, Tiebreak.Instance).Take(top).ToList();
        var byTime = feasible.OrderBy(c => c.WallHours).ThenBy(c => c.GpuHours).ThenBy(c => c, Tiebreak.Instance).Take(top).ToList();
        var submittedOption = Option(baseline, submitted, baseline);
        return new LayoutAdvice(
            submittedOption,
            byCost.Select(c => Option(c, submitted, baseline)).ToList(),
            byTime.Select(c => Option(c, submitted, baseline)).ToList(),
            considered,
            feasible.Count,
            Summary(baseline, submitted, byCost.FirstOrDefault()));
    }

    /// <summary>The lowest-GPU-hours memory setting that fits: per recomputation level the lowest ZeRO stage that fits.</summary>
    private Candidate? Cheapest(TrainingSetup layout, GpuType gpu, double tokens, ref int considered)
    {
        Candidate? best = null;
        int[] stages = layout.Replicas > 1 && scope == LayoutScope.Any ? [1, 2, 3] : [0];
        foreach (var recompute in scope == LayoutScope.Any ? Recomputation : [layout.Recompute])
        {
            foreach (var zero in stages)
            {
                var candidate = layout with { ZeroStage = zero, Recompute = recompute };
                considered++;
                var memory = MemoryModel.PerGpu(shape, parameters, candidate).Total;
                if (memory > FitAdvisor.AvailableGiB(gpu, candidate))
                {
                    continue;
                }

                var priced = Price(candidate, gpu, tokens, memory);
                if (best is null || priced.GpuHours < best.GpuHours)
                {
                    best = priced;
                }

                if (zero < 3)
                {
                    // ZeRO 1 and 2 cost no communication over plain data parallelism, and more recomputation only adds FLOPs.
                    return best;
                }

                // Higher ZeRO stages at this recomputation level only add communication.
                break;
            }
        }

        return best;
    }

    private IEnumerable<TrainingSetup> Schedules(TrainingSetup layout)
    {
        yield return layout with { Schedule = PipelineSchedule.ZeroBubble };
        foreach (var v in new[] { 2, 4 })
        {
            if ((long)layout.Pipeline * v <= shape.Layers)
            {
                yield return layout with { Schedule = PipelineSchedule.Interleaved, VirtualStages = v };
            }
        }
    }

    private static IEnumerable<int> GpuCounts(TrainingSetup submitted)
    {
        if (submitted.GpuMilli is not null)
        {
            return [1];
        }

        long g = submitted.Gpus;
        var counts = new[] { g % 4 == 0 ? g / 4 : 0, g % 2 == 0 ? g / 2 : 0, g, g * 2, g * 4 };
        return counts
            .Where(n => n >= 1 && n <= JobSpecLimits.MaxGpus && (n <= submitted.GpusPerNode || n % submitted.GpusPerNode == 0))
            .Select(n => (int)n);
    }

    private IEnumerable<TrainingSetup> Layouts(TrainingSetup submitted, int gpus)
    {
        var perNode = Math.Min(gpus, Math.Max(1, submitted.GpusPerNode));
        long global = submitted.GlobalBatch;
        // The data-parallel scope (the bundled trainer) keeps tensor, context, pipeline and expert degrees at 1.
        var maxDegree = scope == LayoutScope.Any ? int.MaxValue : 1;
        for (var t = 1; t <= Math.Min(perNode, maxDegree); t *= 2)
        {
            if (gpus % t != 0 || shape.Heads % t != 0 || shape.KvHeads % t != 0)
            {
                continue;
            }

            for (var c = 1; c == 1 || (c <= maxDegree && shape.SeqLength / c >= 2048 && shape.SeqLength % c == 0); c *= 2)
            {
                if (gpus % ((long)t * c) != 0)
                {
                    continue;
                }

                for (var p = 1; p <= Math.Min(shape.Layers, maxDegree); p *= 2)
                {
                    var modelRanks = (long)t * c * p;
                    if (gpus % modelRanks != 0)
                    {
                        break;
                    }

                    var data = (int)(gpus / modelRanks);
                    if (global % data != 0)
                    {
                        continue;
                    }

                    foreach (var expert in ExpertDegrees(data * (long)c))
                    {
                        for (long micro = 1; micro <= global / data; micro *= 2)
                        {
                            if (global % (micro * data) != 0)
                            {
                                continue;
                            }

                            var layout = submitted with
                            {
                                Gpus = gpus,
                                GpuMilli = submitted.GpuMilli,
                                GpusPerNode = perNode,
                                Data = data,
                                Tensor = t,
                                Pipeline = p,
                                SequenceParallel = t > 1,
                                MicroBatch = (int)micro,
                                Context = c,
                                Expert = expert,
                                Schedule = PipelineSchedule.OneForwardOneBackward,
                                VirtualStages = 1,
                            };
                            yield return layout;
                        }
                    }
                }
            }
        }
    }

    private IEnumerable<int> ExpertDegrees(long replicas)
    {
        yield return 1;
        if (!shape.IsMoe || scope != LayoutScope.Any)
        {
            yield break;
        }

        for (var e = 2; e <= shape.Experts && e <= replicas; e *= 2)
        {
            if (shape.Experts % e == 0 && replicas % e == 0)
            {
                yield return e;
            }
        }
    }

    private Candidate Price(TrainingSetup setup, GpuType gpu, double tokens, double? knownMemory = null)
    {
        var memory = knownMemory ?? MemoryModel.PerGpu(shape, parameters, setup).Total;
        var flopsPerToken = TrainingFlops.PerToken(shape, parameters, setup);
        var choice = calibration.Lookup(gpu, ModelSizeBands.Of(parameters.Total));
        var mfu = choice.Source == MfuChoice.DefaultSource ? MfuModel.Default(gpu, parameters.Active, setup.GpuShare) : choice.Value;
        var step = StepTime.PerStep(shape, parameters, setup, gpu, flopsPerToken, mfu);
        var stepSeconds = step.Sum();
        var wallHours = tokens / ((double)setup.GlobalBatch * shape.SeqLength) * stepSeconds / 3600;
        return new Candidate(setup, gpu, memory, memory <= FitAdvisor.AvailableGiB(gpu, setup), stepSeconds, step.PipelineBubble / stepSeconds, wallHours, wallHours * setup.GpuShare);
    }

    private static LayoutOption Option(Candidate c, TrainingSetup submitted, Candidate baseline)
    {
        var changes = Changes(submitted, c.Setup, baseline.Gpu, c.Gpu);
        return new LayoutOption(Describe(c.Setup, c.Gpu), changes, c.Gpu.Name, c.Setup.Gpus, c.Memory, c.Fits, c.StepSeconds, c.Bubble,
            c.WallHours, c.GpuHours, Saving(c, baseline));
    }

    private static string Saving(Candidate c, Candidate baseline)
    {
        if (ReferenceEquals(c, baseline))
        {
            return baseline.Fits ? "as submitted" : Invariant($"as submitted: needs {baseline.Memory:F1} GiB per GPU on {baseline.Gpu.Name}, does not fit");
        }

        var hours = (c.GpuHours - baseline.GpuHours) / baseline.GpuHours * 100;
        var wall = (c.WallHours - baseline.WallHours) / baseline.WallHours * 100;
        return baseline.Fits
            ? Invariant($"{hours:+0;-0;0}% GPU-hours, {wall:+0;-0;0}% wall time")
            : Invariant($"fits where the submitted layout does not; {hours:+0;-0;0}% GPU-hours, {wall:+0;-0;0}% wall time against the submitted layout's price");
    }

    private static string Summary(Candidate baseline, TrainingSetup submitted, Candidate? best)
    {
        var why = baseline.Bubble >= 0.2
            ? Invariant($"pipeline {submitted.Pipeline} with {submitted.MicroBatchesPerStep} micro-batches per pipeline spends {baseline.Bubble * 100:0}% of each step in the bubble; ")
            : baseline.Fits ? string.Empty : Invariant($"the submitted layout needs {baseline.Memory:F1} GiB per GPU on {baseline.Gpu.Name}; ");
        if (best is null)
        {
            return why + "no layout searched fits";
        }

        var hours = (best.GpuHours - baseline.GpuHours) / baseline.GpuHours * 100;
        return hours > -1 && baseline.Fits
            ? why + "the submitted layout is already within 1% of the cheapest found"
            : why + Invariant($"{Describe(best.Setup, best.Gpu)}: {hours:+0;-0;0}% GPU-hours");
    }

    private static string Describe(TrainingSetup s, GpuType gpu)
    {
        var parts = new List<string> { Invariant($"{s.Gpus} × {gpu.Name}"), Invariant($"data {s.Data}") };
        if (s.Tensor > 1)
        {
            parts.Add(Invariant($"tensor {s.Tensor}"));
        }

        if (s.Context > 1)
        {
            parts.Add(Invariant($"context {s.Context}"));
        }

        if (s.Pipeline > 1)
        {
            parts.Add(Invariant($"pipeline {s.Pipeline} ({ScheduleName(s)}) with {s.MicroBatchesPerStep} micro-batches per pipeline"));
        }

        if (s.Expert > 1)
        {
            parts.Add(Invariant($"expert {s.Expert}"));
        }

        parts.Add(Invariant($"ZeRO {s.ZeroStage}"));
        parts.Add(Invariant($"micro-batch {s.MicroBatch}"));
        parts.Add(s.Recompute == ActivationCheckpointing.None ? "no recomputation" : $"{Wire(s.Recompute)} recomputation");
        return string.Join(", ", parts);
    }

    private static string ScheduleName(TrainingSetup s) => s.Schedule switch
    {
        PipelineSchedule.Interleaved => Invariant($"interleaved, {s.VirtualStages} virtual stages"),
        PipelineSchedule.ZeroBubble => "zero-bubble",
        _ => "1F1B",
    };

    private static Dictionary<string, string> Changes(TrainingSetup before, TrainingSetup after, GpuType beforeGpu, GpuType afterGpu)
    {
        var changes = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set<T>(string path, T was, T now, Func<T, string> text)
        {
            if (!EqualityComparer<T>.Default.Equals(was, now))
            {
                changes[path] = text(now);
            }
        }

        Set("resources.gpuType", beforeGpu.Name, afterGpu.Name, n => n);
        Set("resources.gpus", before.Gpus, after.Gpus, Invariant);
        Set("resources.gpusPerNode", before.GpusPerNode, after.GpusPerNode, Invariant);
        Set("parallelism.data", before.Data, after.Data, Invariant);
        Set("parallelism.tensor", before.Tensor, after.Tensor, Invariant);
        Set("parallelism.pipeline", before.Pipeline, after.Pipeline, Invariant);
        Set("parallelism.context", before.Context, after.Context, Invariant);
        Set("parallelism.expert", before.Expert, after.Expert, Invariant);
        Set("parallelism.zeroStage", before.ZeroStage, after.ZeroStage, Invariant);
        Set("parallelism.sequenceParallel", before.SequenceParallel, after.SequenceParallel, b => b ? "true" : "false");
        Set("parallelism.pipelineSchedule", before.Schedule, after.Schedule, Wire);
        Set("parallelism.virtualStages", before.VirtualStages, after.VirtualStages, Invariant);
        Set("training.microBatchSize", before.MicroBatch, after.MicroBatch, Invariant);
        Set("training.activationCheckpointing", before.Recompute, after.Recompute, Wire);
        return changes;
    }

    private static string Wire<T>(T value) where T : struct, Enum =>
        System.Text.Json.JsonSerializer.Serialize(value, JobSpecJson.Options).Trim('"');

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record Candidate(
        TrainingSetup Setup, GpuType Gpu, double Memory, bool Fits, double StepSeconds, double Bubble, double WallHours, double GpuHours);

    /// <summary>Equal prices are ordered by the layout itself, so the advice never depends on the search order.</summary>
    private sealed class Tiebreak : IComparer<Candidate>
    {
        public static readonly Tiebreak Instance = new();

        public int Compare(Candidate? x, Candidate? y)
        {
            if (x is null || y is null)
            {
                return x is null ? (y is null ? 0 : -1) : 1;
            }

            return Comparisons(x, y).FirstOrDefault(c => c != 0);
        }

        private static IEnumerable<int> Comparisons(Candidate x, Candidate y)
        {
            var a = x.Setup;
            var b = y.Setup;
            yield return string.CompareOrdinal(x.Gpu.Name, y.Gpu.Name);
            yield return a.Gpus.CompareTo(b.Gpus);
            yield return a.Tensor.CompareTo(b.Tensor);
            yield return a.Pipeline.CompareTo(b.Pipeline);
            yield return a.Context.CompareTo(b.Context);
            yield return a.Expert.CompareTo(b.Expert);
            yield return a.MicroBatch.CompareTo(b.MicroBatch);
            yield return a.Schedule.CompareTo(b.Schedule);
            yield return a.VirtualStages.CompareTo(b.VirtualStages);
            yield return a.ZeroStage.CompareTo(b.ZeroStage);
            yield return a.Recompute.CompareTo(b.Recompute);
        }
    }
}
