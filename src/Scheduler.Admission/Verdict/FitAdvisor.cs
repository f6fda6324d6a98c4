using System.Globalization;
using Scheduler.Admission.Memory;
using Scheduler.Admission.Model;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Verdict;

/// <summary>
/// Finds the smallest concrete changes that make a job fit, trying in this order and keeping the first that fits from
/// each kind: a larger share of a fractional GPU; a higher ZeRO stage; activation recomputation; a smaller micro-batch;
/// more tensor or pipeline parallelism on the same GPUs; then, only if none of those fits, more GPUs (ZeRO-3 over a
/// larger data-parallel degree, or more tensor parallelism); and the smallest bigger GPU type. When no single change is
/// enough, one suggestion combines them. For a job the bundled trainer runs, a change it would refuse (ZeRO, tensor or
/// pipeline parallelism) says that it needs a <c>container.image</c>, and the changes the trainer runs come first.
/// </summary>
internal sealed class FitAdvisor(GpuCatalog catalog, ModelShape shape, Func<TrainingSetup, MemoryBreakdown> memoryOf)
{
    /// <summary>Appended to a suggestion the bundled trainer would refuse, for a job it runs as submitted.</summary>
    public const string NeedsImage = " (the bundled trainer does not run that layout: it needs a container.image that does)";

    private const int MaxScaleDoublings = 10;

    /// <summary>Whether the job as submitted runs on the bundled trainer; set by <see cref="Suggest"/>.</summary>
    private bool _bundledJob;

    public static double AvailableGiB(GpuType gpu, TrainingSetup setup) =>
        gpu.MemoryGiB * (setup.GpuMilli is { } milli ? milli / 1000.0 : 1);

    public static string Reason(double neededGiB, GpuType gpu, TrainingSetup setup) =>
        string.Create(CultureInfo.InvariantCulture, $"needs {neededGiB:F1} GiB per GPU on {gpu.Name}; {AvailableGiB(gpu, setup):0.#} GiB available");

    public static string Verdict(double neededGiB, GpuType gpu, TrainingSetup setup, string? reason, IReadOnlyList<FitSuggestion> suggestions) =>
        reason is null
            ? string.Create(CultureInfo.InvariantCulture, $"fits: {neededGiB:F1} of {AvailableGiB(gpu, setup):0.#} GiB per GPU on {gpu.Name}")
            : suggestions.Count > 0
                ? $"{reason}; {suggestions[0].Description}"
                : $"{reason}; no change up to {setup.Gpus << MaxScaleDoublings} GPUs or a bigger GPU type makes it fit";

    public IReadOnlyList<FitSuggestion> Suggest(TrainingSetup setup, GpuType gpu)
    {
        _bundledJob = BundledTrainerMemory.Runs(shape, setup);
        var sameGpus = new Func<TrainingSetup, GpuType, FitSuggestion?>[]
        {
            LargerShare, HigherZeroStage, Recompute, SmallerMicroBatch, MoreModelParallelism,
        };
        var found = sameGpus.Select(kind => kind(setup, gpu)).OfType<FitSuggestion>().ToList();
        // More GPUs only when nothing fits on the GPUs already asked for: that is always the dearer change.
        if (found.Count == 0 && MoreGpus(setup, gpu) is { } scaled)
        {
            found.Add(scaled);
        }

        if (BiggerGpuType(setup, gpu) is { } bigger)
        {
            found.Add(bigger);
        }

        if (found.Count == 0 && Combined(setup, gpu) is { } combined)
        {
            found.Add(combined);
        }

        // Stable: within each group the order above stays.
        return _bundledJob ? [.. found.OrderBy(s => s.Description.EndsWith(NeedsImage, StringComparison.Ordinal))] : found;
    }

    private FitSuggestion? LargerShare(TrainingSetup setup, GpuType gpu)
    {
        if (setup.GpuMilli is not { } milli)
        {
            return null;
        }

        for (var share = ((milli / 100) + 1) * 100; share < 1000; share += 100)
        {
            var candidate = setup with { GpuMilli = share };
            if (Try(candidate, gpu, $"{share} milli-GPU", new() { ["resources.gpuMilli"] = Invariant(share) }) is { } fits)
            {
                return fits;
            }
        }

        return Try(setup with { GpuMilli = null }, gpu, "a whole GPU", new() { ["resources.gpuMilli"] = "null" });
    }

    private FitSuggestion? HigherZeroStage(TrainingSetup setup, GpuType gpu)
    {
        if (setup.Data <= 1)
        {
            return null;
        }

        for (var stage = setup.ZeroStage + 1; stage <= 3; stage++)
        {
            var suggestion = Try(setup with { ZeroStage = stage }, gpu, $"ZeRO stage {stage} over {DataRanks(setup)}",
                new() { ["parallelism.zeroStage"] = Invariant(stage) });
            if (suggestion is not null)
            {
                return suggestion;
            }
        }

        return null;
    }

    private FitSuggestion? Recompute(TrainingSetup setup, GpuType gpu) =>
        new[] { ActivationCheckpointing.Selective, ActivationCheckpointing.Full }
            .Where(mode => mode > setup.Recompute)
            .Select(mode => Try(setup with { Recompute = mode }, gpu, $"{WireName(mode)} activation recomputation",
                new() { ["training.activationCheckpointing"] = WireName(mode) }))
            .FirstOrDefault(s => s is not null);

    private FitSuggestion? SmallerMicroBatch(TrainingSetup setup, GpuType gpu)
    {
        for (var micro = setup.MicroBatch / 2; micro >= 1; micro /= 2)
        {
            if (Try(setup with { MicroBatch = micro }, gpu, $"micro-batch {micro}", new() { ["training.microBatchSize"] = Invariant(micro) }) is { } fits)
            {
                return fits;
            }
        }

        return null;
    }

    /// <summary>Same GPUs, fewer data-parallel ranks: tensor parallelism inside a node first, then pipeline stages.</summary>
    private FitSuggestion? MoreModelParallelism(TrainingSetup setup, GpuType gpu)
    {
        for (var factor = 2; factor <= setup.Data && setup.Data % factor == 0; factor *= 2)
        {
            var tensor = setup.Tensor * factor;
            var data = setup.Data / factor;
            if (tensor <= setup.GpusPerNode && shape.Heads % tensor == 0 && shape.KvHeads % tensor == 0
                && Try(setup with { Tensor = tensor, Data = data }, gpu, $"tensor parallelism {tensor}",
                    new() { ["parallelism.tensor"] = Invariant(tensor), ["parallelism.data"] = Invariant(data) }) is { } byTensor)
            {
                return byTensor;
            }

            var pipeline = setup.Pipeline * factor;
            if (shape.Layers % pipeline == 0
                && Try(setup with { Pipeline = pipeline, Data = data }, gpu, $"pipeline parallelism {pipeline}",
                    new() { ["parallelism.pipeline"] = Invariant(pipeline), ["parallelism.data"] = Invariant(data) }) is { } byPipeline)
            {
                return byPipeline;
            }
        }

        return null;
    }

    /// <summary>Doubling the GPUs until it fits: ZeRO-3 over more data-parallel ranks, or more tensor parallelism.</summary>
    private FitSuggestion? MoreGpus(TrainingSetup setup, GpuType gpu)
    {
        if (setup.GpuMilli is not null)
        {
            return null;
        }

        for (var factor = 2; factor <= 1 << MaxScaleDoublings && setup.Gpus * factor <= JobSpecLimits.MaxGpus; factor *= 2)
        {
            var scaled = Scaled(setup, factor, dataFactor: factor, tensorFactor: 1) is { } more ? more with { ZeroStage = 3 } : null;
            if (scaled is not null && Try(scaled, gpu, $"ZeRO stage 3 over {DataRanks(scaled)}", ScaleChanges(setup, scaled)) is { } byData)
            {
                return byData;
            }

            var tensor = setup.Tensor * factor;
            if (tensor <= JobSpecNormalizer.MaxGpusPerNode && shape.Heads % tensor == 0 && shape.KvHeads % tensor == 0)
            {
                if (Scaled(setup, factor, dataFactor: 1, tensorFactor: factor) is { } wider
                    && Try(wider, gpu, $"{wider.Gpus} GPUs with tensor parallelism {tensor}", ScaleChanges(setup, wider)) is { } byTensor)
                {
                    return byTensor;
                }
            }
        }

        return null;
    }

    private FitSuggestion? BiggerGpuType(TrainingSetup setup, GpuType gpu) =>
        catalog.Types
            .Where(t => t.MemoryGiB > gpu.MemoryGiB)
            .OrderBy(t => t.MemoryGiB).ThenBy(t => t.Name, StringComparer.Ordinal)
            .Select(t => Try(setup, t, $"GPU type {t.Name}", new() { ["resources.gpuType"] = t.Name }))
            .FirstOrDefault(s => s is not null);

    /// <summary>Everything at once: ZeRO-3, full recomputation, micro-batch 1, then more GPUs, on this type and then on bigger ones.</summary>
    private FitSuggestion? Combined(TrainingSetup setup, GpuType gpu)
    {
        var squeezed = setup with
        {
            ZeroStage = setup.Data > 1 ? 3 : setup.ZeroStage,
            Recompute = ActivationCheckpointing.Full,
            MicroBatch = 1,
            GpuMilli = null,
        };
        var types = catalog.Types.Where(t => t.MemoryGiB > gpu.MemoryGiB).OrderBy(t => t.MemoryGiB).ThenBy(t => t.Name, StringComparer.Ordinal);
        foreach (var type in types.Prepend(gpu))
        {
            for (var factor = 1; factor <= 1 << MaxScaleDoublings && setup.Gpus * factor <= JobSpecLimits.MaxGpus; factor *= 2)
            {
                var candidate = factor == 1 ? squeezed : Scaled(squeezed, factor, dataFactor: factor, tensorFactor: 1) is { } scaled ? scaled with { ZeroStage = 3 } : null;
                if (candidate is null)
                {
                    break; // a larger factor only makes the global batch larger
                }

                var changes = ScaleChanges(setup, candidate);
                changes["training.activationCheckpointing"] = WireName(ActivationCheckpointing.Full);
                changes["training.microBatchSize"] = "1";
                if (setup.GpuMilli is not null)
                {
                    changes["resources.gpuMilli"] = "null";
                }

                if (type.Name != gpu.Name)
                {
                    changes["resources.gpuType"] = type.Name;
                }

                var what = $"ZeRO stage {candidate.ZeroStage} over {DataRanks(candidate)} with full recomputation and micro-batch 1";
                if (Try(candidate, type, what, changes) is { } fits)
                {
                    return fits;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The setup on <paramref name="factor"/> times the GPUs, its global batch rounded up to a multiple of micro-batch ×
    /// data degree; null when that batch would pass the spec's limit (a suggestion the validator would refuse).
    /// </summary>
    private static TrainingSetup? Scaled(TrainingSetup setup, int factor, int dataFactor, int tensorFactor)
    {
        var gpus = setup.Gpus * factor;
        var data = setup.Data * dataFactor;
        // In 64 bits: a 2^20 micro-batch over 2^12 ranks is 2^32, which wrapped to 0 as int and divided by zero.
        var perStep = (long)setup.MicroBatch * data;
        var globalBatch = setup.GlobalBatch % perStep == 0 ? setup.GlobalBatch : ((setup.GlobalBatch / perStep) + 1) * perStep;
        if (globalBatch > JobSpecLimits.MaxGlobalBatchSize)
        {
            return null;
        }

        return setup with
        {
            Gpus = gpus,
            Data = data,
            Tensor = setup.Tensor * tensorFactor,
            GpusPerNode = Math.Min(gpus, Math.Max(setup.GpusPerNode, JobSpecNormalizer.MaxGpusPerNode)),
            GlobalBatch = (int)globalBatch,
        };
    }

    private static Dictionary<string, string> ScaleChanges(TrainingSetup before, TrainingSetup after)
    {
        var changes = new Dictionary<string, string>();
        if (after.Gpus != before.Gpus)
        {
            changes["resources.gpus"] = Invariant(after.Gpus);
        }

        if (after.Data != before.Data)
        {
            changes["parallelism.data"] = Invariant(after.Data);
        }

        if (after.Tensor != before.Tensor)
        {
            changes["parallelism.tensor"] = Invariant(after.Tensor);
        }

        if (after.ZeroStage != before.ZeroStage)
        {
            changes["parallelism.zeroStage"] = Invariant(after.ZeroStage);
        }

        if (after.GpusPerNode != before.GpusPerNode)
        {
            changes["resources.gpusPerNode"] = Invariant(after.GpusPerNode);
        }

        if (after.GlobalBatch != before.GlobalBatch)
        {
            changes["training.globalBatchSize"] = Invariant(after.GlobalBatch);
        }

        return changes;
    }

    private FitSuggestion? Try(TrainingSetup candidate, GpuType gpu, string what, Dictionary<string, string> changes)
    {
        var total = memoryOf(candidate).Total;
        if (total > AvailableGiB(gpu, candidate))
        {
            return null;
        }

        var description = string.Create(CultureInfo.InvariantCulture, $"{what} brings it to {total:F1} GiB per GPU on {gpu.Name}");
        if (_bundledJob && !BundledTrainerMemory.Runs(shape, candidate))
        {
            description += NeedsImage;
        }

        return new FitSuggestion(description, changes, gpu.Name, total);
    }

    /// <summary>"8 GPUs" when every GPU is a data-parallel rank, else "4 data-parallel ranks (8 GPUs)".</summary>
    private static string DataRanks(TrainingSetup setup) =>
        setup.Data == setup.Gpus ? $"{setup.Gpus} GPUs" : $"{setup.Data} data-parallel ranks ({setup.Gpus} GPUs)";

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string WireName(ActivationCheckpointing mode) => mode.ToString().ToLowerInvariant();
}
