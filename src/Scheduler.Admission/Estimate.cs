using Scheduler.Admission.Calibration;

namespace Scheduler.Admission;

/// <summary>
/// What a job will cost and whether it fits, for one GPU type (the first of the spec's alternatives that fits, else the
/// first). Serialise with <c>JobSpecJson.Options</c>; the member names are the wire names of docs/architecture.md in camelCase.
/// Units: parameters and tokens as counts, FLOPs as floating-point operations, memory in GiB (2^30 bytes), time in seconds
/// or hours.
/// </summary>
public sealed record Estimate
{
    /// <summary>The GPU type the figures are for.</summary>
    public required string GpuType { get; init; }

    /// <summary>GPUs the job occupies: <c>resources.gpus</c>, or the fraction <c>gpuMilli ÷ 1000</c> of one GPU.</summary>
    public required double Gpus { get; init; }

    /// <summary>All parameters (MoE: every expert).</summary>
    public required double Parameters { get; init; }

    /// <summary>Parameters the optimizer updates (LoRA: the adapters only).</summary>
    public required double TrainableParameters { get; init; }

    /// <summary>Parameters one token passes through (MoE: the routed experts only; otherwise equal to <see cref="Parameters"/>).</summary>
    public required double ActiveParameters { get; init; }

    /// <summary>True when the layer dimensions were inferred from <c>model.parameters</c> (activations are then approximate).</summary>
    public required bool ShapeInferred { get; init; }

    /// <summary>FLOPs executed per training token, recomputation included.</summary>
    public required double FlopsPerToken { get; init; }

    public required double FlopsTotal { get; init; }

    public required double Tokens { get; init; }

    public required long Steps { get; init; }

    public required MemoryBreakdown MemoryPerGpuGiB { get; init; }

    /// <summary>Device memory available to the job on one GPU (its share with <c>gpuMilli</c>).</summary>
    public required double GpuMemoryGiB { get; init; }

    public required bool Fits { get; init; }

    /// <summary>Why it does not fit, for example "needs 93.1 GiB per GPU on A100-80GB; 80 GiB available"; null when it fits.</summary>
    public string? Reason { get; init; }

    /// <summary>
    /// One line for people: "fits: 51.2 of 80 GiB per GPU on A100-80GB", or the reason and the first suggestion
    /// ("needs 93.1 GiB per GPU on A100-80GB; 80 GiB available; ZeRO stage 3 over 8 GPUs brings it to 61.4 GiB per GPU on A100-80GB").
    /// </summary>
    public required string Verdict { get; init; }

    /// <summary>Changes that make it fit, smallest first; empty when it fits.</summary>
    public required IReadOnlyList<FitSuggestion> Suggestions { get; init; }

    public required double StepSeconds { get; init; }

    public required StepTimeBreakdown StepBreakdown { get; init; }

    public required double WallHours { get; init; }

    /// <summary>Wall hours × GPUs (fractional GPUs count their share).</summary>
    public required double GpuHours { get; init; }

    /// <summary>The per-GPU peak the time is priced against: dense 16-bit tensor TFLOP/s, or fp32 for fp32 jobs.</summary>
    public required double PeakTflopsPerGpu { get; init; }

    /// <summary>Utilisation of <see cref="PeakTflopsPerGpu"/> assumed for the executed FLOPs.</summary>
    public required double Mfu { get; init; }

    /// <summary><c>default</c> or <c>calibrated (n=…)</c>.</summary>
    public required string MfuSource { get; init; }

    /// <summary>The model-size band the MFU was looked up for.</summary>
    public required ModelSizeBand SizeBand { get; init; }

    /// <summary>Cheaper and faster layouts (<c>POST /api/v1/estimate?advise=true</c>, the 422 of a job that does not fit); null unless asked.</summary>
    public Advice.LayoutAdvice? Advice { get; init; }

    /// <summary>
    /// Set once the job is placed: the placement's interconnect (racks, nodes, GPUs per node) this estimate was repriced for,
    /// and the step time's change against the spec's packing in one rack; null for an estimate of the spec alone.
    /// </summary>
    public Timing.InterconnectPricing? Interconnect { get; init; }

    /// <summary>Value equality, suggestions compared item by item (a stored or received estimate equals the one computed).</summary>
    public bool Equals(Estimate? other) =>
        other is not null
        && (ReferenceEquals(this, other)
            || (GpuType == other.GpuType && Gpus.Equals(other.Gpus) && Parameters.Equals(other.Parameters)
                && TrainableParameters.Equals(other.TrainableParameters) && ActiveParameters.Equals(other.ActiveParameters)
                && ShapeInferred == other.ShapeInferred && FlopsPerToken.Equals(other.FlopsPerToken) && FlopsTotal.Equals(other.FlopsTotal)
                && Tokens.Equals(other.Tokens) && Steps == other.Steps && MemoryPerGpuGiB == other.MemoryPerGpuGiB
                && GpuMemoryGiB.Equals(other.GpuMemoryGiB) && Fits == other.Fits && Reason == other.Reason && Verdict == other.Verdict
                && Suggestions.SequenceEqual(other.Suggestions) && StepSeconds.Equals(other.StepSeconds) && StepBreakdown == other.StepBreakdown
                && WallHours.Equals(other.WallHours) && GpuHours.Equals(other.GpuHours) && PeakTflopsPerGpu.Equals(other.PeakTflopsPerGpu)
                && Mfu.Equals(other.Mfu) && MfuSource == other.MfuSource && SizeBand == other.SizeBand && Interconnect == other.Interconnect));

    public override int GetHashCode() => HashCode.Combine(GpuType, Parameters, FlopsTotal, MemoryPerGpuGiB, Fits, GpuHours, Mfu);
}

/// <summary>Per-GPU memory in GiB; <see cref="Total"/> is the sum of the other five.</summary>
public sealed record MemoryBreakdown(double Weights, double Gradients, double Optimizer, double Activations, double Overhead)
{
    public double Total => Weights + Gradients + Optimizer + Activations + Overhead;
}

/// <summary>
/// One optimizer step in seconds: compute (the matmuls at the MFU) and the memory-bound element-wise kernels
/// (<see cref="Elementwise"/>), plus the parts of communication and pipeline idling that are not hidden.
/// <see cref="ContextParallel"/> (ring attention's key/value exchange) and <see cref="ExpertAllToAll"/> (MoE token
/// dispatch and combine) are 0 for jobs without context or expert parallelism.
/// </summary>
public sealed record StepTimeBreakdown(
    double Compute, double DataParallelExposed, double TensorParallel, double PipelineBubble, double ContextParallel = 0, double ExpertAllToAll = 0,
    double Elementwise = 0)
{
    /// <summary>The GPU's busy time: what the pipeline bubble scales with and communication can hide behind.</summary>
    public double Busy => Compute + Elementwise;

    public double Sum() => Compute + Elementwise + DataParallelExposed + TensorParallel + PipelineBubble + ContextParallel + ExpertAllToAll;
}

/// <summary>
/// A concrete change that makes the job fit: the spec fields to change (JSON paths → new values) and the per-GPU memory
/// afterwards, for example "ZeRO stage 3 over 8 GPUs brings it to 61.4 GiB".
/// </summary>
public sealed record FitSuggestion(string Description, IReadOnlyDictionary<string, string> Changes, string GpuType, double MemoryPerGpuGiB)
{
    /// <summary>Value equality, the changes compared entry by entry.</summary>
    public bool Equals(FitSuggestion? other) =>
        other is not null
        && Description == other.Description && GpuType == other.GpuType && MemoryPerGpuGiB.Equals(other.MemoryPerGpuGiB)
        && Changes.Count == other.Changes.Count
        && Changes.All(c => other.Changes.TryGetValue(c.Key, out var value) && value == c.Value);

    public override int GetHashCode() => HashCode.Combine(Description, GpuType, MemoryPerGpuGiB);
}
