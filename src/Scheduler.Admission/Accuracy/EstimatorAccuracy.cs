using System.Globalization;
using Scheduler.Domain.Specs;

namespace Scheduler.Admission.Accuracy;

/// <summary>Runs the estimator on every reference case (specs from <see cref="ReferenceSpecs"/>) with the catalog's default MFU.</summary>
public static class EstimatorAccuracy
{
    private const double BytesPerGiB = 1024.0 * 1024 * 1024;

    /// <summary>How the reference cases become specs where the sources are silent: one rule for every case, never per case.</summary>
    public static IReadOnlyList<string> Assumptions => ReferenceSpecs.Rules;

    public static AccuracyReport Compare(ReferenceFiles files, Estimator estimator)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(estimator);
        var runs = Rows(files.PublishedRuns).Select(row => (row, estimate: estimator.Estimate(ReferenceSpecs.PublishedRun(row)))).ToList();
        var parameters = runs.Select(r => new AccuracyRow(
            r.row.Text("name"), r.estimate.Parameters, r.row.RequiredNumber("params_reported"), "parameters", r.row.Text("source"),
            ShapeOf(r.row))).ToList();
        var gpuHours = runs.Select(r => new AccuracyRow(
            r.row.Text("name"), r.estimate.GpuHours, r.row.RequiredNumber("gpu_hours"), "GPU-hours", r.row.Text("source"),
            Invariant($"{r.estimate.GpuType} ×{r.estimate.Gpus:0}, MFU {r.estimate.Mfu:0.00}, {r.estimate.FlopsTotal:0.00e0} FLOPs, step {r.estimate.StepSeconds:0.00} s"))).ToList();

        var memory = Rows(files.MeasuredMemory).Select(row => (row, spec: ReferenceSpecs.MeasuredMemory(row))).ToList();
        var memoryRows = memory.Select(m => (m.spec, row: MemoryRow(m.row, estimator.Estimate(m.spec), estimator.Estimate(WithFusedAttention(m.spec))))).ToList();
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
        return new AccuracyReport(parameters, gpuHours, full, lowRank, modelState);
    }

    /// <summary>FlashAttention never stores the attention scores: the memory of Korthikanti's selective recomputation.</summary>
    private static JobSpec WithFusedAttention(JobSpec spec) =>
        spec with { Training = spec.Training! with { ActivationCheckpointing = ActivationCheckpointing.Selective } };

    private static AccuracyRow MemoryRow(ReferenceRow row, Estimate estimate, Estimate fusedAttention)
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
        var detail = Invariant(
            $"{row.Text("method")} {row.Text("precision")} mb {row.Text("micro_batch")} on {estimate.GpuType}: weights {m.Weights:0.00}, gradients {m.Gradients:0.00}, optimizer {m.Optimizer:0.00}, activations {m.Activations:0.00}, overhead {m.Overhead:0.00} GiB; {(estimate.Fits ? "fits" : "does not fit")}; with fused attention {fusedAttention.MemoryPerGpuGiB.Total:0.00} GiB ({(fusedAttention.MemoryPerGpuGiB.Total - measuredGiB) / measuredGiB * 100:+0;-0}%)");
        return new AccuracyRow(row.Text("name"), m.Total, measuredGiB, "GiB", row.Text("source"), detail);
    }

    private static string ShapeOf(ReferenceRow row) =>
        $"L={row.Text("layers")} h={row.Text("hidden")} a={row.Text("heads")} kv={row.Text("kv_heads")} f={row.Text("ffn_hidden")} {row.Text("mlp")} {row.Text("position_embedding")} tied={row.Text("tied_embeddings")} V={row.Text("vocab")}";

    private static IReadOnlyList<ReferenceRow> Rows(string? text) => text is null ? [] : ReferenceCsv.Parse(text);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
