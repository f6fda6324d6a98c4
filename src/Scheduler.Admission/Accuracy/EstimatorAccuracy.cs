using System.Globalization;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Accuracy;

/// <summary>Runs the estimator on every reference case (specs from <see cref="ReferenceSpecs"/>) with the catalog's default MFU.</summary>
public static class EstimatorAccuracy
{
    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    /// <summary>How the reference cases become specs where the sources are silent: one rule for every case, never per case.</summary>
    public static IReadOnlyList<string> Assumptions => ReferenceSpecs.Rules;

    /// <summary>Why the held-out runs that miss are off, from their sources; explanations only, never inputs to a prediction.</summary>
    public static IReadOnlyList<string> HeldOutNotes => Accuracy.HeldOutNotes.All;

    public static AccuracyReport Compare(ReferenceFiles files, Estimator estimator)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(estimator);
        var runs = Rows(files.PublishedRuns).Select(row => (row, estimate: estimator.Estimate(ReferenceSpecs.PublishedRun(row)))).ToList();
        var heldOut = Rows(files.HeldOutRuns).Select(row => GpuHoursRow(row, estimator.Estimate(ReferenceSpecs.PublishedRun(row)))).ToList();
        var parameters = runs.Select(r => new AccuracyRow(
            r.row.Text("name"), r.estimate.Parameters, r.row.RequiredNumber("params_reported"), "parameters", r.row.Text("source"),
            ShapeOf(r.row))).ToList();
        var gpuHours = runs.Select(r => GpuHoursRow(r.row, r.estimate)).ToList();

        var memory = Rows(files.MeasuredMemory).Select(row => (row, spec: ReferenceSpecs.MeasuredMemory(row))).ToList();
        var memoryRows = memory.Select(m => (m.spec, row: MemoryRow(m.row, estimator.Estimate(m.spec), estimator.Estimate(WithOtherAttention(m.spec))))).ToList();
        var full = memoryRows.Where(m => m.spec.Training!.Finetune!.Method == FinetuneMethod.Full).Select(m => m.row).ToList();
        var lowRank = memoryRows.Where(m => m.spec.Training!.Finetune!.Method != FinetuneMethod.Full).Select(m => m.row).ToList();

        var modelState = Rows(files.ModelState).Select(row =>
        {
            var estimate = estimator.Estimate(ReferenceSpecs.ModelState(row));
            var m = estimate.MemoryPerGpuGiB;
            var gigabytes = (m.Weights + m.Gradients + m.Optimizer) * BytesPerGiB / 1e9;
            return new AccuracyRow(row.Text("name"), gigabytes, row.RequiredNumber("model_state_gb"), "GB", row.Text("source"),
                Invariant($"ZeRO stage {row.Text("zero_stage")}, Nd = {row.Text("data_parallel")}"));
        }).ToList();
        var fit = files.MfuMeasurements is null ? null : MfuFit.Fit(files.MfuMeasurements, files.PublishedRuns, estimator.Catalog);
        return new AccuracyReport(parameters, gpuHours, full, lowRank, modelState, heldOut, fit);
    }

    private static AccuracyRow GpuHoursRow(ReferenceRow row, Estimate estimate)
    {
        var b = estimate.StepBreakdown;
        var elementwise = b.Elementwise / b.Compute;
        var overhead = (b.Sum() / b.Busy) - 1;
        return new AccuracyRow(
            row.Text("name"), estimate.GpuHours, row.RequiredNumber("gpu_hours"), "GPU-hours", row.Text("source"),
            Invariant($"{estimate.GpuType} ×{estimate.Gpus:0}, MFU {estimate.Mfu:0.00}, {estimate.FlopsTotal:0.00e0} FLOPs, step {estimate.StepSeconds:0.00} s (+{elementwise * 100:0}% element-wise, +{overhead * 100:0}% communication and bubble)"));
    }

    /// <summary>The same run with the other attention kernel, for the detail column.</summary>
    private static JobSpec WithOtherAttention(JobSpec spec) =>
        spec with
        {
            Training = spec.Training! with
            {
                Attention = spec.Training.Attention == AttentionKernel.Unfused ? AttentionKernel.Fused : AttentionKernel.Unfused,
            },
        };

    private static AccuracyRow MemoryRow(ReferenceRow row, Estimate estimate, Estimate otherAttention)
    {
        var measured = row.RequiredNumber("measured");
        var measuredGiB = row.Text("unit") switch
        {
            "MiB" => measured / 1024,
            "GB" => measured * 1e9 / BytesPerGiB,
            "GiB" => measured,
            var unit => throw new FormatException($"unit '{unit}' of '{row.Text("name")}' is not MiB, GB or GiB"),
        };
        var m = estimate.MemoryPerGpuGiB;
        // torch.cuda.max_memory_allocated does not see the CUDA context; nvidia-smi ("device") sees everything.
        var allocatedOnly = row.Text("measures") == "allocated";
        var uncounted = allocatedOnly ? Memory.MemoryModel.CudaContextGiB : 0;
        var attention = row.Text("attention") is { Length: > 0 } kernel ? kernel : "fused";
        var other = attention == "unfused" ? "fused" : "unfused";
        var otherTotal = otherAttention.MemoryPerGpuGiB.Total - uncounted;
        var detail = Invariant(
            $"{row.Text("method")} {row.Text("precision")} mb {row.Text("micro_batch")} {attention} attention on {estimate.GpuType}: weights {m.Weights:0.00}, gradients {m.Gradients:0.00}, optimizer {m.Optimizer:0.00}, activations {m.Activations:0.00}, overhead {m.Overhead:0.00} GiB{(allocatedOnly ? $" (compared less the {uncounted:0.0} GiB CUDA context: measured as allocated)" : string.Empty)}; {(estimate.Fits ? "fits" : "does not fit")}; with {other} attention {otherTotal:0.00} GiB ({(otherTotal - measuredGiB) / measuredGiB * 100:+0;-0}%)");
        return new AccuracyRow(row.Text("name"), m.Total - uncounted, measuredGiB, "GiB", row.Text("source"), detail);
    }

    private static string ShapeOf(ReferenceRow row) =>
        $"L={row.Text("layers")} h={row.Text("hidden")} a={row.Text("heads")} kv={row.Text("kv_heads")} f={row.Text("ffn_hidden")} {row.Text("mlp")} {row.Text("position_embedding")} tied={row.Text("tied_embeddings")} V={row.Text("vocab")}";

    private static IReadOnlyList<ReferenceRow> Rows(string? text) => text is null ? [] : ReferenceCsv.Parse(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
