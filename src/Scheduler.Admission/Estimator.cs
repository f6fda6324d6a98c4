using Scheduler.Admission.Advice;
using Scheduler.Admission.Calibration;
using Scheduler.Admission.Memory;
using Scheduler.Admission.Model;
using Scheduler.Admission.Timing;
using Scheduler.Admission.Verdict;
using Scheduler.Domain.Catalog;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission;

/// <summary>
/// Prices a training job from its spec: parameters, FLOPs, per-GPU memory, step time, GPU-hours and whether it fits.
/// Pure and deterministic: no I/O, no clock; the same spec, catalog and MFU table give the same estimate.
/// The formulas and their sources: docs/admission.md.
/// </summary>
public sealed class Estimator(GpuCatalog catalog)
{
    private readonly GpuCatalog _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));

    /// <summary>The GPU types this estimator prices.</summary>
    public GpuCatalog Catalog => _catalog;

    /// <summary>
    /// Estimates a spec that passed <see cref="JobSpecValidator"/> and went through <see cref="JobSpecNormalizer"/>.
    /// Of the <c>|</c>-separated GPU types it prices the first whose memory the job fits, else the first, with the reason
    /// and the smallest changes that make it fit.
    /// </summary>
    /// <param name="calibration">MFU calibrated from telemetry; without it (or for groups it lacks) the catalog default.</param>
    /// <param name="placement">Where the job was placed (GPUs per node, nodes, racks); without it the spec's packing in one rack.</param>
    /// <exception cref="ArgumentException">
    /// The spec lacks what validation requires (model, training with tokens or steps, resources) or names a GPU type the
    /// catalog lacks.
    /// </exception>
    public Estimate Estimate(JobSpec normalizedSpec, MfuTable? calibration = null, PlacementInterconnect? placement = null)
    {
        ArgumentNullException.ThrowIfNull(normalizedSpec);
        var model = normalizedSpec.Model ?? throw new ArgumentException("model is required", nameof(normalizedSpec));
        var shape = ModelShape.From(model);
        var setup = TrainingSetup.From(normalizedSpec);
        if (setup.Tokens is null && setup.Steps is null)
        {
            throw new ArgumentException("training.tokens or training.steps is required", nameof(normalizedSpec));
        }

        var parameters = ParameterCount.Of(shape, model.Parameters, setup.LoraRank);
        var alternatives = GpuAlternatives(normalizedSpec);

        MemoryBreakdown MemoryOf(TrainingSetup s) => MemoryModel.PerGpu(shape, parameters, s);
        var memory = MemoryOf(setup);
        var chosen = alternatives.FirstOrDefault(gpu => memory.Total <= FitAdvisor.AvailableGiB(gpu, setup));
        var gpu = chosen ?? alternatives[0];
        var fits = chosen is not null;
        var reason = fits ? null : FitAdvisor.Reason(memory.Total, gpu, setup);
        var suggestions = fits ? [] : new FitAdvisor(_catalog, shape, MemoryOf).Suggest(setup, gpu);

        var flopsPerToken = TrainingFlops.PerToken(shape, parameters, setup);
        var tokensPerStep = (double)setup.GlobalBatch * shape.SeqLength;
        var tokens = setup.Tokens ?? (setup.Steps!.Value * tokensPerStep);
        var steps = setup.Steps ?? (long)Math.Ceiling(tokens / tokensPerStep);
        var band = ModelSizeBands.Of(parameters.Total);
        var mfu = (calibration ?? MfuTable.Empty).Lookup(gpu, band);
        if (mfu.Source == MfuChoice.DefaultSource)
        {
            mfu = mfu with { Value = MfuModel.Default(gpu, parameters.Active, setup.GpuShare) };
        }

        var step = StepTime.PerStep(shape, parameters, setup, gpu, flopsPerToken, mfu.Value, placement);
        var stepSeconds = step.Sum();
        // The last step may be partial: time follows the tokens, not the rounded-up step count.
        var wallHours = tokens / tokensPerStep * stepSeconds / 3600;

        return new Estimate
        {
            GpuType = gpu.Name,
            Gpus = setup.GpuShare,
            Parameters = parameters.Total,
            TrainableParameters = setup.IsLowRank ? parameters.LoraAdapters : parameters.Total,
            ActiveParameters = parameters.Active,
            ShapeInferred = shape.Inferred,
            FlopsPerToken = flopsPerToken,
            FlopsTotal = flopsPerToken * tokens,
            Tokens = tokens,
            Steps = steps,
            MemoryPerGpuGiB = memory,
            GpuMemoryGiB = FitAdvisor.AvailableGiB(gpu, setup),
            Fits = fits,
            Reason = reason,
            Verdict = FitAdvisor.Verdict(memory.Total, gpu, setup, reason, suggestions),
            Suggestions = suggestions,
            StepSeconds = stepSeconds,
            StepBreakdown = step,
            WallHours = wallHours,
            GpuHours = wallHours * setup.GpuShare,
            PeakTflopsPerGpu = StepTime.PeakFlops(gpu, setup.Precision) / 1e12,
            Mfu = mfu.Value,
            MfuSource = mfu.Source,
            SizeBand = band,
        };
    }

    /// <summary>
    /// Searches the layouts the job could run with on the spec's GPU type (each of its <c>|</c> alternatives) and
    /// returns the <paramref name="top"/> cheapest by GPU-hours and the fastest by wall time, each with its memory per
    /// GPU, the spec changes and the saving against the submitted layout (<see cref="LayoutAdvisor"/>).
    /// </summary>
    /// <param name="scope">Which layouts may be proposed: any, or only those the bundled trainer runs; by default
    /// <see cref="ScopeOf"/> the spec.</param>
    /// <param name="cancellationToken">Checked once per layout, so a caller can bound the search in time.</param>
    /// <exception cref="ArgumentException">As for <see cref="Estimate"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled during the search.</exception>
    public LayoutAdvice Advise(JobSpec normalizedSpec, MfuTable? calibration = null, int top = 5, LayoutScope? scope = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(normalizedSpec);
        ArgumentOutOfRangeException.ThrowIfLessThan(top, 1);
        var model = normalizedSpec.Model ?? throw new ArgumentException("model is required", nameof(normalizedSpec));
        var shape = ModelShape.From(model);
        var setup = TrainingSetup.From(normalizedSpec);
        var parameters = ParameterCount.Of(shape, model.Parameters, setup.LoraRank);
        var alternatives = GpuAlternatives(normalizedSpec);

        var tokensPerStep = (double)setup.GlobalBatch * shape.SeqLength;
        var tokens = setup.Tokens ?? ((setup.Steps ?? throw new ArgumentException("training.tokens or training.steps is required", nameof(normalizedSpec))) * tokensPerStep);
        var searched = scope ?? ScopeOf(shape, setup);
        return new LayoutAdvisor(shape, parameters, calibration ?? MfuTable.Empty, searched).Advise(setup, alternatives, tokens, top, cancellationToken);
    }

    /// <summary>
    /// The layouts worth advising for a spec: for a job the bundled trainer runs (no image; a GELU decoder with learned
    /// positions, fp32 or bf16, AdamW, full training, standard kernels) only the data-parallel layouts it runs
    /// (<see cref="LayoutScope.DataParallel"/>), whatever layout was submitted; for any other spec every layout.
    /// </summary>
    /// <exception cref="ArgumentException">The spec has no model or training.</exception>
    public static LayoutScope ScopeOf(JobSpec normalizedSpec)
    {
        ArgumentNullException.ThrowIfNull(normalizedSpec);
        var model = normalizedSpec.Model ?? throw new ArgumentException("model is required", nameof(normalizedSpec));
        return ScopeOf(ModelShape.From(model), TrainingSetup.From(normalizedSpec));
    }

    private static LayoutScope ScopeOf(ModelShape shape, TrainingSetup setup) =>
        BundledTrainerMemory.RunsDataParallel(shape, setup) ? LayoutScope.DataParallel : LayoutScope.Any;

    /// <summary>The catalog entries of the spec's <c>|</c>-separated GPU types, in order.</summary>
    /// <exception cref="ArgumentException">No GPU type, or one the catalog lacks.</exception>
    private List<GpuType> GpuAlternatives(JobSpec normalizedSpec)
    {
        var alternatives = GpuCatalog.SplitAlternatives(normalizedSpec.Resources!.GpuType ?? string.Empty)
            .Select(name => _catalog.Find(name) ?? throw new ArgumentException(
                $"GPU type '{name}' is not in the catalog; known types: {string.Join(", ", _catalog.Names)}", nameof(normalizedSpec)))
            .ToList();
        return alternatives.Count == 0 ? throw new ArgumentException("resources.gpuType is required", nameof(normalizedSpec)) : alternatives;
    }
}
